// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// A small text/event-stream reader for fetch() bodies (approach C), following the WHATWG HTML
// "parsing an event stream" rules: CR, LF and CRLF line ends split anywhere across chunks, a
// leading BOM, comments, `field` without a colon, one optional space after the colon, `id`
// containing NUL ignored, `retry` only from ASCII digits, events dispatched on a blank line and
// an unterminated last event dropped. No DOM needed: it runs in browsers and in Node 18+.

// Reads `body` (a ReadableStream of bytes) to its end or until `signal` aborts. Calls
// onEvent({ type, data, id }) per event, where `id` is the last event id in force (as the spec's
// lastEventId), and onRetry(ms) for a valid `retry:` field. Resolves when the stream ends.
export async function readEventStream(body, { onEvent, onRetry = () => {}, signal } = {}) {
    const reader = body.getReader();
    const decoder = new TextDecoder('utf-8'); // strips one leading BOM; bad bytes become U+FFFD
    const state = { lastEventId: '', type: '', data: [], hasData: false };
    let buffer = '';
    let pendingCR = false; // a chunk ended in CR: a LF at the start of the next one belongs to it
    const onAbort = () => reader.cancel().catch(() => {});
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
        for (;;) {
            const { value, done } = await reader.read();
            if (done)
                break;
            let text = decoder.decode(value, { stream: true });
            if (pendingCR && text.startsWith('\n'))
                text = text.slice(1);
            pendingCR = false;
            buffer += text;
            let start = 0;
            for (;;) {
                const cr = buffer.indexOf('\r', start);
                const lf = buffer.indexOf('\n', start);
                let end;
                if (cr === -1 && lf === -1)
                    break;
                if (cr === -1 || (lf !== -1 && lf < cr))
                    end = lf;
                else
                    end = cr;
                const line = buffer.slice(start, end);
                if (buffer[end] === '\r') {
                    if (end + 1 < buffer.length) {
                        start = buffer[end + 1] === '\n' ? end + 2 : end + 1;
                    } else {
                        start = end + 1;
                        pendingCR = true;
                    }
                } else {
                    start = end + 1;
                }
                processLine(line, state, onEvent, onRetry);
            }
            buffer = buffer.slice(start);
        }
    } finally {
        signal?.removeEventListener('abort', onAbort);
        reader.releaseLock();
    }
}

function processLine(line, state, onEvent, onRetry) {
    if (line === '') {
        if (state.hasData) {
            onEvent({
                type: state.type || 'message',
                data: state.data.join('\n'),
                id: state.lastEventId,
            });
        }
        state.type = '';
        state.data = [];
        state.hasData = false;
        return;
    }
    if (line.startsWith(':'))
        return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' '))
        value = value.slice(1);
    switch (field) {
    case 'event':
        state.type = value;
        break;
    case 'data':
        state.data.push(value);
        state.hasData = true;
        break;
    case 'id':
        if (!value.includes('\0'))
            state.lastEventId = value;
        break;
    case 'retry':
        if (/^[0-9]+$/.test(value))
            onRetry(Number(value));
        break;
    default:
        break;
    }
}
