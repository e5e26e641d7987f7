// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// The reference browser client of Sluice: sign in with fetch(), then follow a prompt's events in
// one of three ways. No dependencies, no build step; a page on another origin than the API uses it
// through the API's CORS allow-list.
//
//   A  followWithStreamToken: native EventSource with a short-lived, single-use ?stream_token=
//   B  followWithCookie:      native EventSource { withCredentials: true } and the HttpOnly cookie
//   C  followWithFetch:       fetch() with Authorization and a small SSE reader
//
// Every follower delivers each event of the prompt's log once, in order, across reconnections,
// expired tokens and server restarts: it remembers the last id it delivered and resumes after it.

import { readEventStream } from './sse-reader.mjs';

export const EVENT_TYPES = ['connected', 'message', 'tool_use', 'tool_result', 'status', 'error',
    'done'];

export class SluiceError extends Error {
    constructor(status, code, message) {
        super(message);
        this.name = 'SluiceError';
        this.status = status;
        this.code = code;
    }
}

async function errorFrom(response) {
    let body = {};
    try {
        body = await response.json();
    } catch {
        // not JSON: the status says enough
    }
    return new SluiceError(response.status, body.code ?? 'HTTP_ERROR',
        body.error ?? `HTTP ${response.status}`);
}

// A signed-in user: the access token in memory (never in storage a script injected later could
// read), refreshed once on a 401. `credentials: 'include'` on login and refresh lets a server in
// cookie mode set its HttpOnly access cookie, which only approach B uses.
export class SluiceSession {
    constructor(api) {
        this.api = String(api).replace(/\/+$/, '');
        this.accessToken = '';
        this.refreshToken = '';
        this.refreshing = null;
    }

    static async signIn(api, username, password) {
        const session = new SluiceSession(api);
        const response = await fetch(`${session.api}/api/auth/login`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ username, password }),
            credentials: 'include',
        });
        if (!response.ok)
            throw await errorFrom(response);
        session.takeTokens(await response.json());
        return session;
    }

    takeTokens(tokens) {
        this.accessToken = tokens.accessToken;
        this.refreshToken = tokens.refreshToken;
    }

    // One refresh at a time: a rotated refresh token presented twice signs the user out.
    refresh() {
        this.refreshing ??= (async () => {
            try {
                const response = await fetch(`${this.api}/api/auth/refresh`, {
                    method: 'POST',
                    headers: { 'Content-Type': 'application/json' },
                    body: JSON.stringify({ refreshToken: this.refreshToken }),
                    credentials: 'include',
                });
                if (!response.ok)
                    throw await errorFrom(response);
                this.takeTokens(await response.json());
            } finally {
                this.refreshing = null;
            }
        })();
        return this.refreshing;
    }

    // A JSON API call with the access token; a 401 refreshes the tokens and retries once.
    async call(method, path, body) {
        for (let attempt = 0; ; ++attempt) {
            const headers = { Authorization: `Bearer ${this.accessToken}` };
            if (body !== undefined)
                headers['Content-Type'] = 'application/json';
            const response = await fetch(`${this.api}${path}`, {
                method,
                headers,
                body: body === undefined ? undefined : JSON.stringify(body),
            });
            if (response.status === 401 && attempt === 0) {
                await this.refresh();
                continue;
            }
            if (!response.ok)
                throw await errorFrom(response);
            return response.status === 204 ? null : response.json();
        }
    }

    createSession(title) {
        return this.call('POST', '/api/claude-code/sessions', { title });
    }

    createPrompt(sessionId, text) {
        return this.call('POST', `${this.promptPath(sessionId, '')}`, { text });
    }

    // POST …/stream-token with Authorization: a cross-origin request the browser preflights.
    mintStreamToken(sessionId, promptId) {
        return this.call('POST', `${this.promptPath(sessionId, promptId)}/stream-token`);
    }

    promptPath(sessionId, promptId) {
        const base = `/api/claude-code/sessions/${encodeURIComponent(sessionId)}/prompts`;
        return promptId ? `${base}/${encodeURIComponent(promptId)}` : base;
    }

    streamUrl(sessionId, promptId) {
        return new URL(`${this.api}${this.promptPath(sessionId, promptId)}/stream`);
    }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// What the three followers share: delivery in log order without repeats, states, give-up rules.
// handlers: onEvent({ type, id, data }) (id: the log's sequence number, null for `connected`),
// onState(state, detail) with state connecting | live | reconnecting | done | failed | stopped.
class PromptFollower {
    constructor(session, sessionId, promptId, handlers = {}) {
        this.session = session;
        this.sessionId = sessionId;
        this.promptId = promptId;
        this.onEvent = handlers.onEvent ?? (() => {});
        this.onState = handlers.onState ?? (() => {});
        this.maxFailures = handlers.maxFailures ?? 5;
        this.lastId = 0;
        this.duplicates = 0; // events the server sent again; stays 0 when resuming works
        this.failures = 0;
        this.state = 'idle';
        this.stopped = false;
    }

    setState(state, detail = '') {
        this.state = state;
        this.onState(state, detail);
    }

    deliver(type, idText, dataText) {
        let data = dataText;
        try {
            data = JSON.parse(dataText);
        } catch {
            // not JSON: deliver the text
        }
        // `connected` opens every connection; it is not part of the log (it carries no id, and an
        // EventSource would report the previous connection's id with it).
        if (type === 'connected') {
            this.onEvent({ type, id: null, data });
            return;
        }
        const id = Number(idText);
        if (Number.isInteger(id) && id > 0) {
            if (id <= this.lastId) {
                ++this.duplicates;
                return;
            }
            this.lastId = id;
        }
        this.failures = 0;
        this.onEvent({ type, id: Number.isInteger(id) && id > 0 ? id : null, data });
        if (type === 'done') {
            this.stop('done');
        }
    }

    // After a refused stream whose credential may have run out: the backoff, then a new sign-in
    // (refresh). False when the follower gave up or stopped, or the refresh failed (it is then
    // stopped as failed).
    async backoffAndRefresh(detail) {
        if (!(await this.backoff(detail)))
            return false;
        try {
            await this.session.refresh();
        } catch (error) {
            this.stop('failed', `refresh: ${error.message}`);
            return false;
        }
        return true;
    }

    // Counts a failed connection; false when it is time to give up. The first failure after a
    // working connection is retried at once (the usual case: a token ran out), then with backoff.
    async backoff(detail) {
        ++this.failures;
        if (this.failures > this.maxFailures) {
            this.stop('failed', `gave up after ${this.maxFailures} attempts: ${detail}`);
            return false;
        }
        this.setState('reconnecting', detail);
        if (this.failures > 1)
            await sleep(Math.min(500 * 2 ** (this.failures - 2), 8000));
        return !this.stopped;
    }

    stop(state = 'stopped', detail = '') {
        if (this.stopped)
            return;
        this.stopped = true;
        this.close();
        this.setState(state, detail);
    }

    close() {}
}

// Native EventSource with a stream token, for every browser: EventSource cannot send headers, so a
// short-lived token minted with the access token goes into the URL. Sluice accepts each stream
// token for one connection only, so the browser's own reconnection (same URL) is refused with 401,
// as is a token past its expiry; a non-200 answer closes an EventSource for good. The follower then
// mints a new token and opens a new EventSource after the last event it delivered
// (?last_event_id=: a new EventSource starts without a Last-Event-ID header).
class StreamTokenFollower extends PromptFollower {
    start() {
        this.connect();
        return this;
    }

    async connect() {
        if (this.stopped)
            return;
        this.setState('connecting', 'minting a stream token');
        let token;
        try {
            ({ token } = await this.session.mintStreamToken(this.sessionId, this.promptId));
        } catch (error) {
            if (await this.backoff(`stream token: ${error.message}`))
                this.connect();
            return;
        }
        if (this.stopped)
            return;
        const url = this.session.streamUrl(this.sessionId, this.promptId);
        url.searchParams.set('stream_token', token);
        if (this.lastId > 0)
            url.searchParams.set('last_event_id', String(this.lastId));
        // Closed for good: 401 (used or expired token), 204, 5xx …
        openEventSource(this, url, {}, async () => {
            if (await this.backoff('the stream was refused (stream token used or expired)'))
                this.connect();
        });
    }

    close() {
        this.source?.close();
    }
}

// Native EventSource with the server's HttpOnly access cookie (server in --cookie-mode on). The
// cookie is SameSite=Lax: the page must be on the same site as the API (another port of the same
// host is fine, 127.0.0.1 against localhost is not). The browser reconnects by itself with
// Last-Event-ID; when the cookie has expired the stream is refused (401, closed for good), so the
// follower refreshes the sign-in (which sets a new cookie) and opens a new EventSource.
class CookieFollower extends PromptFollower {
    start() {
        this.connect();
        return this;
    }

    connect() {
        if (this.stopped)
            return;
        this.setState('connecting');
        const url = this.session.streamUrl(this.sessionId, this.promptId);
        if (this.lastId > 0)
            url.searchParams.set('last_event_id', String(this.lastId));
        openEventSource(this, url, { withCredentials: true }, async () => {
            if (await this.backoffAndRefresh('the stream was refused (no valid cookie)'))
                this.connect();
        });
    }

    close() {
        this.source?.close();
    }
}

// A native EventSource for `follower` (approaches A and B): its events delivered, its state shown;
// the browser reconnects by itself after a dropped connection, and when it gives up for good
// (a refused reconnection) the source is closed and `onRefused` decides what comes next.
function openEventSource(follower, url, init, onRefused) {
    const source = new EventSource(url, init);
    follower.source = source;
    source.onopen = () => {
        follower.failures = 0;
        follower.setState('live');
    };
    listen(source, follower);
    source.addEventListener('error', (event) => {
        if (event instanceof MessageEvent || follower.stopped || follower.source !== source)
            return;
        if (source.readyState === EventSource.CONNECTING) {
            follower.setState('reconnecting', 'the connection dropped');
            return;
        }
        source.close();
        onRefused();
    });
    return source;
}

function listen(source, follower) {
    for (const type of EVENT_TYPES) {
        source.addEventListener(type, (event) => {
            // An `error` without data is the EventSource's own connection error, not an event.
            if (!(event instanceof MessageEvent) || follower.source !== source || follower.stopped)
                return;
            follower.deliver(type, event.lastEventId, event.data);
        });
    }
}

// fetch() and a ReadableStream reader: the Authorization header on every request (and
// Last-Event-ID when resuming), so nothing secret is in a URL. Cross-origin, these headers make the
// browser preflight each request. The server ends such a stream when the access token expires;
// the follower refreshes on 401 and reconnects after the stream's `retry:` time.
class FetchFollower extends PromptFollower {
    start() {
        this.controller = new AbortController();
        this.run();
        return this;
    }

    async run() {
        let retryMs = 2000;
        while (!this.stopped) {
            this.setState(this.lastId > 0 ? 'reconnecting' : 'connecting');
            const headers = {
                Accept: 'text/event-stream',
                Authorization: `Bearer ${this.session.accessToken}`,
            };
            if (this.lastId > 0)
                headers['Last-Event-ID'] = String(this.lastId);
            let response;
            try {
                response = await fetch(this.session.streamUrl(this.sessionId, this.promptId), {
                    headers,
                    cache: 'no-store',
                    signal: this.controller.signal,
                });
            } catch (error) {
                if (this.stopped || !(await this.backoff(`network: ${error.message}`)))
                    return;
                continue;
            }
            if (response.status === 204) { // nothing left to send: the prompt is done
                this.stop('done');
                return;
            }
            if (response.status === 401) {
                await response.body?.cancel();
                if (!(await this.backoffAndRefresh('access token refused: refreshing')))
                    return;
                continue;
            }
            const type = response.headers.get('Content-Type') ?? '';
            if (!response.ok || !type.startsWith('text/event-stream')) {
                const error = await errorFrom(response);
                const transient = response.status >= 500 || response.status === 429;
                if (!transient) {
                    this.stop('failed', error.message);
                    return;
                }
                const after = Number(response.headers.get('Retry-After'));
                if (!(await this.backoff(error.message)))
                    return;
                if (after > 0)
                    await sleep(after * 1000);
                continue;
            }
            this.failures = 0;
            this.setState('live');
            try {
                await readEventStream(response.body, {
                    onEvent: (event) => this.deliver(event.type, event.id, event.data),
                    onRetry: (ms) => { retryMs = ms; },
                    signal: this.controller.signal,
                });
            } catch (error) {
                if (this.stopped)
                    return;
                this.setState('reconnecting', `read: ${error.message}`);
            }
            if (this.stopped)
                return;
            await sleep(retryMs);
        }
    }

    close() {
        this.controller?.abort();
    }
}

export function followWithStreamToken(session, sessionId, promptId, handlers) {
    return new StreamTokenFollower(session, sessionId, promptId, handlers).start();
}

export function followWithCookie(session, sessionId, promptId, handlers) {
    return new CookieFollower(session, sessionId, promptId, handlers).start();
}

export function followWithFetch(session, sessionId, promptId, handlers) {
    return new FetchFollower(session, sessionId, promptId, handlers).start();
}

export const followers = {
    token: followWithStreamToken,
    cookie: followWithCookie,
    fetch: followWithFetch,
};
