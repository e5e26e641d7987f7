// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
//
// The stream of the client benchmark: GET /stream?events=N answers one SSE stream of N small
// events (`id`, `event: message`, a short JSON `data`) written as fast as the client takes them
// (the socket's backpressure is respected), then a `done` event, then the end. Both clients —
// Sluice::EventSource (bench_client) and the `eventsource` npm package (eventsource-client.js) —
// read the same bytes from it. Environment: PORT (0 = any; the chosen port is printed).
'use strict';

const http = require('node:http');

const server = http.createServer((request, response) => {
  const url = new URL(request.url, 'http://127.0.0.1');
  if (url.pathname !== '/stream') {
    response.writeHead(404).end();
    return;
  }
  const total = Math.max(0, Math.min(100_000_000, Number(url.searchParams.get('events') || 1000)));
  response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
  // Events are written in batches of ~64 KiB; a batch is one string, so the writer is cheap and
  // the client, not the server, is what the benchmark measures.
  let next = 1;
  const writeSome = () => {
    while (next <= total) {
      let batch = '';
      for (let i = 0; i < 1024 && next <= total; ++i, ++next)
        batch += `id: ${next}\nevent: message\ndata: {"n":${next},"text":"hello"}\n\n`;
      if (!response.write(batch)) {
        response.once('drain', writeSome);
        return;
      }
    }
    response.end('event: done\ndata: {}\n\n');
  };
  writeSome();
});

server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  process.stdout.write(`firehose listening on http://127.0.0.1:${server.address().port}\n`);
});
