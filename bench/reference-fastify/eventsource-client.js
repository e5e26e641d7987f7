// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
//
// The Node side of the client benchmark: the `eventsource` npm package (v5) reads the firehose's
// stream with a no-op listener, and prints one results line (the same fields as bench_client):
//   node eventsource-client.js URL EVENTS
'use strict';

(async () => {
  const { EventSource } = await import('eventsource');
  const [url, eventsText] = process.argv.slice(2);
  const expected = Number(eventsText);
  let received = 0;
  const started = process.hrtime.bigint();
  const source = new EventSource(url);
  source.addEventListener('message', () => { ++received; });
  source.addEventListener('done', () => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    source.close();
    const line = {
      scenario: 'client', label: 'reference', events: received, expected,
      seconds, events_per_second: received / seconds,
      peak_rss_kib: process.resourceUsage().maxRSS, error: received === expected ? '' : 'events missing',
    };
    process.stdout.write(JSON.stringify(line) + '\n');
    process.exit(received === expected ? 0 : 1);
  });
  source.addEventListener('error', (event) => {
    if (source.readyState === EventSource.CLOSED) {
      process.stderr.write(`eventsource-client: ${event.message || 'connection failed'}\n`);
      process.exit(1);
    }
  });
})();
