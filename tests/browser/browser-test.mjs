// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// examples/web in Debian's headless Chromium against the real sluice-server, cross-origin: the
// page on http://localhost:WEB, the API on http://localhost:API (another origin of the same site).
// The browser enforces CORS, SameSite and EventSource rules itself; every response it sees is
// recorded from its own network events (Chrome DevTools Protocol).
//
//   node browser-test.mjs --build-dir DIR --node-modules DIR
//
// Scenarios (A, B, C and the preflight run one after the other; beside them the cross-site cookie
// check, which waits for the page to give up, and the expiry scenario, which waits out a stream
// token's lifetime on a server of its own):
//   A, B, C      each follows a demo prompt to `done`; ids equal the prompt's log; the stream was
//                authorised the way the approach says (token in URL / cookie / Authorization)
//   expiry       stream token expires while the stream is cut: the browser's reconnection gets 401,
//                the page mints a new token and resumes with ?last_event_id=, no loss, no repeat
//   preflight    POST stream-token with Authorization: preflight passes from an allowed origin,
//                is blocked from a disallowed one (the page sees the failure, the POST never
//                reaches the server)
//   cross-site   cookie mode from http://127.0.0.1:WEB to http://localhost:API: the SameSite
//                cookie is not sent, the stream is refused, the page reports the failure
//   everywhere   no response carries Access-Control-Allow-Origin: *
// A screenshot of the page mid-stream goes to DIR/tests/browser/web-example-live.png.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { startServer } from './support/sluice-server.mjs';
import { createStaticServer } from '../../examples/web/serve.mjs';
import { readEventStream } from '../../examples/web/sse-reader.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) => {
    if (arg.startsWith('--'))
        pairs.push([arg.slice(2), all[i + 1]]);
    return pairs;
}, []));
const buildDir = resolve(args['build-dir'] ?? join(here, '../../build/ci'));
const nodeModules = resolve(args['node-modules'] ?? join(here, 'node_modules'));
const serverBinary = join(buildDir, 'server/sluice-server');
const screenshotPath = join(buildDir, 'tests/browser/web-example-live.png');

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu',
    '--disable-background-networking', '--disable-component-update', '--no-first-run'];

const started = Date.now();
const log = (text) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${text}`);

const cleanups = [];
let browser;

// --- servers ---------------------------------------------------------------------------------

function listen(server) {
    return new Promise((resolvePort, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolvePort(server.address().port));
    });
}

// A recorded transcript for the expiry scenario: 15 s of events, longer than a stream token
// lives, so the stream is cut (--stream-max-lifetime) while the prompt still runs.
function expiryTranscript(dir) {
    const lines = [{ delay_ms: 0, type: 'status', data: { state: 'running' } }];
    for (let i = 0; i < 48; ++i) {
        if (i === 20) {
            lines.push({ delay_ms: 300, type: 'tool_use',
                data: { id: 'toolu_expiry', name: 'read_file', input: { path: 'README.md' } } });
            lines.push({ delay_ms: 300, type: 'tool_result',
                data: { tool_use_id: 'toolu_expiry', content: '# Sluice', is_error: false } });
        }
        lines.push({ delay_ms: 300, type: 'message', data: { delta: `word${i} ` } });
    }
    lines.push({ delay_ms: 100, type: 'done', data: { reason: 'end_turn' } });
    const file = join(dir, 'expiry.jsonl');
    writeFileSync(file, lines.map((line) => JSON.stringify(line)).join('\n') + '\n');
    return file;
}

// Polls `condition` (the server's log arrives through a pipe, a moment after its answer).
async function eventually(condition, message, timeoutMs = 5000) {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
        if (Date.now() > deadline)
            assert.fail(message);
        await new Promise((wait) => setTimeout(wait, 20));
    }
}

// --- the API from Node (no Origin: what the test knows independently of the page) ------------

const apiTokens = new Map();
async function apiToken(server) {
    if (!apiTokens.has(server)) {
        const response = await fetch(`${server.base}/api/auth/login`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ username: 'demo', password: server.password }),
        });
        assert.equal(response.status, 200, `login from node: ${await response.clone().text()}`);
        apiTokens.set(server, (await response.json()).accessToken);
    }
    return apiTokens.get(server);
}

async function api(server, method, path, body) {
    const response = await fetch(`${server.base}${path}`, {
        method,
        headers: { Authorization: `Bearer ${await apiToken(server)}`, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
    });
    assert.ok(response.ok, `${method} ${path}: ${response.status}`);
    return response.json();
}

// The prompt's whole durable log: the finished prompt's stream replays it and ends after `done`.
async function promptLog(server, sessionId, promptId) {
    const response = await fetch(
        `${server.base}/api/claude-code/sessions/${sessionId}/prompts/${promptId}/stream`,
        { headers: { Authorization: `Bearer ${await apiToken(server)}` } });
    assert.equal(response.status, 200);
    const events = [];
    await readEventStream(response.body, {
        onEvent: (event) => { if (event.type !== 'connected') events.push(event); },
    });
    assert.equal(events.at(-1)?.type, 'done', 'the log ends with done');
    return events.map((event) => Number(event.id));
}

// --- the browser -----------------------------------------------------------------------------

// Everything the page's browser context sent and received, from Chromium's own network events.
async function recordNetwork(context, page) {
    const cdp = await context.newCDPSession(page);
    const requests = new Map();
    const entry = (id) => {
        if (!requests.has(id))
            requests.set(id, { id, eventSource: [] });
        return requests.get(id);
    };
    cdp.on('Network.requestWillBeSent', (e) => Object.assign(entry(e.requestId), {
        url: e.request.url, method: e.request.method, type: e.type, wallTime: e.wallTime,
        requestHeaders: { ...entry(e.requestId).requestHeaders, ...e.request.headers },
    }));
    cdp.on('Network.requestWillBeSentExtraInfo', (e) => {
        const r = entry(e.requestId);
        r.requestHeaders = { ...r.requestHeaders, ...e.headers };
    });
    cdp.on('Network.responseReceived', (e) => Object.assign(entry(e.requestId), {
        status: e.response.status, type: e.type ?? entry(e.requestId).type,
        headers: { ...entry(e.requestId).headers, ...e.response.headers },
    }));
    cdp.on('Network.responseReceivedExtraInfo', (e) => {
        const r = entry(e.requestId);
        r.status ??= e.statusCode;
        r.headers = { ...r.headers, ...e.headers };
        r.blockedCookies = e.blockedCookies;
    });
    cdp.on('Network.loadingFailed', (e) => Object.assign(entry(e.requestId), {
        failed: e.errorText, corsError: e.corsErrorStatus?.corsError, blockedReason: e.blockedReason,
    }));
    cdp.on('Network.eventSourceMessageReceived', (e) => entry(e.requestId).eventSource.push(
        { type: e.eventName, id: e.eventId }));
    await cdp.send('Network.enable');
    return {
        all: () => [...requests.values()],
        streams: () => [...requests.values()].filter((r) => r.url?.includes('/stream')
            && r.method === 'GET').sort((a, b) => a.wallTime - b.wallTime),
    };
}

const pages = [];
async function openPage(origin, apiBase, label) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const network = await recordNetwork(context, page);
    const record = { label, origin, context, page, network, errors: [] };
    page.on('pageerror', (error) => record.errors.push(`page error: ${error.message}`));
    pages.push(record);
    await page.goto(`${origin}/?api=${encodeURIComponent(apiBase)}&user=demo`);
    return record;
}

function header(headers, name) {
    const key = Object.keys(headers ?? {}).find((k) => k.toLowerCase() === name);
    return key === undefined ? undefined : headers[key];
}

async function signIn(page, password) {
    await page.fill('#password', password);
    await page.click('#signin');
    await page.waitForFunction(() => document.getElementById('signin-status').textContent
        .match(/signed in|failed/));
    return page.textContent('#signin-status');
}

async function pageState(page) {
    return page.evaluate(() => {
        const x = window.sluiceExample;
        return {
            state: x.state, sessionId: x.sessionId, promptId: x.promptId, eventIds: x.eventIds,
            types: x.events.map((e) => e.type), duplicates: x.follower?.duplicates ?? -1,
            streamState: document.getElementById('stream-state').textContent,
            toolCards: document.querySelectorAll('#transcript .tool').length,
            messageText: [...document.querySelectorAll('#transcript .message')]
                .map((p) => p.textContent).join(''),
        };
    });
}

async function waitForEnd(page, timeout = 90000) {
    await page.waitForFunction(() => ['done', 'failed'].includes(window.sluiceExample.state),
        null, { timeout, polling: 100 });
    return pageState(page);
}

// Follows a new prompt in `mode` through the page's own form and checks the result against the log.
async function followToDone(server, web, mode, { screenshot = false } = {}) {
    const record = await openPage(web, `http://localhost:${server.port}`, `approach ${mode}`);
    const { page } = record;
    assert.match(await signIn(page, server.password), /signed in as demo/);
    await page.check(`input[name=mode][value=${mode}]`);
    await page.click('#start');
    if (screenshot) {
        await page.waitForFunction(() => window.sluiceExample.eventIds.length >= 30
            && document.querySelector('#transcript .tool .result'), null,
        { timeout: 60000, polling: 50 });
        mkdirSync(dirname(screenshotPath), { recursive: true });
        await page.screenshot({ path: screenshotPath });
        const midway = await pageState(page);
        assert.equal(midway.state, 'live', 'the screenshot shows a live stream');
        log(`screenshot mid-stream (${midway.eventIds.length} events so far): ${screenshotPath}`);
    }
    const result = await waitForEnd(page);
    assert.equal(result.state, 'done', `approach ${mode} ended ${result.streamState}`);
    const logIds = await promptLog(server, result.sessionId, result.promptId);
    assert.deepEqual(result.eventIds, logIds, `approach ${mode}: the page's ids are the log's`);
    assert.equal(result.duplicates, 0);
    assert.ok(result.types.includes('message') && result.types.includes('tool_use'));
    assert.ok(result.toolCards > 0 && result.messageText.length > 0, 'message and tool_use rendered');
    assert.deepEqual(record.errors, []);

    const streams = record.network.streams();
    assert.ok(streams.length >= 1, 'the stream request was recorded');
    for (const stream of streams) {
        assert.equal(header(stream.headers, 'access-control-allow-origin'), web,
            'the stream answer allows exactly the page origin');
    }
    const first = streams[0];
    if (mode === 'token') {
        assert.equal(first.type, 'EventSource');
        assert.match(first.url, /[?&]stream_token=/);
        assert.equal(header(first.requestHeaders, 'authorization'), undefined);
    } else if (mode === 'cookie') {
        assert.equal(first.type, 'EventSource');
        assert.doesNotMatch(first.url, /stream_token/);
        assert.match(header(first.requestHeaders, 'cookie') ?? '', /sluice_access=/,
            'the HttpOnly access cookie went with the EventSource');
    } else {
        assert.equal(first.type, 'Fetch');
        assert.match(header(first.requestHeaders, 'authorization') ?? '', /^Bearer /);
    }
    log(`approach ${mode}: ${result.eventIds.length} events to done, equal to the log`);
    await record.context.close();
}

// The stream token of a stream URL, decoded (the test's view; the page never looks inside).
function tokenClaims(url) {
    const token = new URL(url).searchParams.get('stream_token');
    return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}

async function expiryScenario(server, web) {
    const record = await openPage(web, `http://localhost:${server.port}`, 'expiry');
    const { page } = record;
    assert.match(await signIn(page, server.password), /signed in as demo/);
    await page.check('input[name=mode][value=token]');
    await page.click('#start');
    const result = await waitForEnd(page, 60000);
    assert.equal(result.state, 'done', `expiry scenario ended ${result.streamState}`);
    const logIds = await promptLog(server, result.sessionId, result.promptId);
    assert.deepEqual(result.eventIds, logIds, 'expiry: the page got every event of the log once');
    assert.equal(result.duplicates, 0, 'the resumed stream repeated nothing');

    const streams = record.network.streams();
    const summary = streams.map((s) => `${s.status} ${new URL(s.url).search.replace(/stream_token=[^&]+/, 'stream_token=…')}`);
    const refused = streams.findIndex((s) => s.status === 401);
    assert.ok(refused > 0, `a stream request was refused with 401: ${summary.join(', ')}`);
    const [firstStream, expired, resumed] = streams.slice(refused - 1, refused + 2);
    assert.equal(firstStream.status, 200);
    assert.equal(expired.url, firstStream.url, 'the 401 was the browser reconnecting with its URL');
    assert.ok(expired.wallTime > tokenClaims(expired.url).exp,
        'the token had expired when the browser presented it again');
    await eventually(() => /stream token rejected: expired/.test(server.log()),
        'the server refused the token because it had expired');
    assert.ok(resumed && resumed.status === 200, 'a new EventSource after the 401');
    assert.notEqual(tokenClaims(resumed.url).jti, tokenClaims(firstStream.url).jti, 'a new token');
    const before = firstStream.eventSource.map((e) => Number(e.id)).filter((id) => id > 0);
    const after = resumed.eventSource.map((e) => Number(e.id)).filter((id) => id > 0);
    assert.ok(before.length > 0 && after.length > 0, 'events before the cut and after the resume');
    assert.equal(new URL(resumed.url).searchParams.get('last_event_id'), String(before.at(-1)),
        'resumed after the last event received');
    assert.equal(after[0], before.at(-1) + 1, 'the first event after the resume follows on');
    assert.deepEqual([...before, ...after], logIds, 'nothing lost, nothing twice on the wire');
    assert.deepEqual(record.errors, []);
    log(`expiry: ${before.length} events, cut, 401 for the expired token, new token, `
        + `${after.length} more from last_event_id=${before.at(-1)} (${summary.join(', ')})`);
    await record.context.close();
}

// POST stream-token with Authorization from an allowed and from a disallowed origin.
async function preflightScenario(server, allowedWeb, disallowedWeb) {
    const apiBase = `http://localhost:${server.port}`;
    const session = await api(server, 'POST', '/api/claude-code/sessions', { title: 'preflight' });
    const prompt = await api(server, 'POST', `/api/claude-code/sessions/${session.id}/prompts`,
        { text: 'preflight' });
    const tokenPath = `/api/claude-code/sessions/${session.id}/prompts/${prompt.id}/stream-token`;
    const token = await apiToken(server);
    const mint = (page) => page.evaluate(async ({ apiBase, token, sid, pid }) => {
        const { SluiceSession } = await import('./sluice-client.mjs');
        const s = new SluiceSession(apiBase);
        s.accessToken = token;
        try {
            const minted = await s.mintStreamToken(sid, pid);
            return `minted ${typeof minted.token}`;
        } catch (error) {
            return `${error.name}: ${error.message}`;
        }
    }, { apiBase, token, sid: session.id, pid: prompt.id });

    const allowed = await openPage(allowedWeb, apiBase, 'preflight allowed');
    assert.equal(await mint(allowed.page), 'minted string');
    const allowedRequests = allowed.network.all().filter((r) => r.url?.endsWith('/stream-token'));
    const allowedPreflight = allowedRequests.find((r) => r.method === 'OPTIONS');
    assert.ok(allowedPreflight, 'Chromium reported the preflight');
    assert.equal(header(allowedPreflight.headers, 'access-control-allow-origin'), allowedWeb);
    assert.match(header(allowedPreflight.headers, 'access-control-allow-headers') ?? '', /Authorization/);
    await eventually(() => server.requestLines('POST', tokenPath).length === 1,
        'the allowed POST reached the server');
    await allowed.context.close();

    const disallowed = await openPage(disallowedWeb, apiBase, 'preflight disallowed');
    const outcome = await mint(disallowed.page);
    assert.match(outcome, /^TypeError: /, 'the page sees the blocked request as a fetch failure');
    // Chromium reports the failed load a moment after the page's promise rejected.
    const blockedPostFailed = () => disallowed.network.all().find((r) => r.method === 'POST'
        && r.url?.endsWith('/stream-token') && r.failed);
    for (let i = 0; i < 50 && !blockedPostFailed(); ++i)
        await new Promise((wait) => setTimeout(wait, 20));
    const blocked = disallowed.network.all().filter((r) => r.url?.endsWith('/stream-token'));
    const blockedPreflight = blocked.find((r) => r.method === 'OPTIONS');
    assert.ok(blockedPreflight, 'the preflight went out');
    assert.equal(header(blockedPreflight.headers, 'access-control-allow-origin'), undefined);
    const blockedPost = blocked.find((r) => r.method === 'POST');
    assert.ok(blockedPost?.failed && blockedPost.corsError, `the POST failed on CORS: ${JSON.stringify(blockedPost)}`);
    await eventually(() => server.requestLines('OPTIONS', tokenPath).length === 2,
        'both preflights reached the server');
    assert.equal(server.requestLines('POST', tokenPath).length, 1, 'the blocked POST never left the browser');
    // Signing in from there fails the same way, and the page says so.
    assert.match(await signIn(disallowed.page, server.password), /sign-in failed: .*CORS/);
    assert.deepEqual(disallowed.errors, []);
    log(`preflight: allowed from ${allowedWeb}, blocked from ${disallowedWeb} `
        + `(${blockedPost.corsError}); the page saw "${outcome}"`);
    await disallowed.context.close();
}

// Cookie mode across sites: the page on 127.0.0.1 (an allowed origin), the API on localhost.
async function crossSiteCookieScenario(server, crossSiteWeb) {
    const record = await openPage(crossSiteWeb, `http://localhost:${server.port}`, 'cross-site cookie');
    const { page } = record;
    assert.match(await signIn(page, server.password), /signed in as demo/, 'CORS allows the origin');
    await page.check('input[name=mode][value=cookie]');
    await page.click('#start');
    const result = await waitForEnd(page, 60000);
    assert.equal(result.state, 'failed', 'cookie mode cannot work across sites');
    assert.deepEqual(result.eventIds, []);
    const streams = record.network.streams();
    assert.ok(streams.length > 0);
    for (const stream of streams) {
        assert.equal(stream.status, 401);
        assert.equal(header(stream.requestHeaders, 'cookie'), undefined, 'no cookie was sent');
    }
    log(`cross-site: cookie mode from ${crossSiteWeb} to localhost gets ${streams.length} × 401 `
        + `(no cookie sent), the page reports "${result.streamState}"`);
    await record.context.close();
}

// --- main ------------------------------------------------------------------------------------

async function main() {
    const work = mkdtempSync(join(tmpdir(), 'sluice-browser-test-'));
    cleanups.push(() => rmSync(work, { recursive: true, force: true }));

    const require = createRequire(join(nodeModules, 'noop.js'));
    let chromium;
    try {
        ({ chromium } = require('playwright-core'));
    } catch (error) {
        throw new Error(`playwright-core is not installed in ${nodeModules} (npm ci): ${error.message}`);
    }

    // The example's files on two origins: one in the API's CORS list, one not.
    const webServers = [createStaticServer(), createStaticServer()];
    for (const s of webServers)
        cleanups.push(() => new Promise((done) => { s.closeAllConnections(); s.close(done); }));
    const [webPort, otherPort] = await Promise.all(webServers.map(listen));
    const web = `http://localhost:${webPort}`;
    const webByAddress = `http://127.0.0.1:${webPort}`;
    const disallowed = `http://localhost:${otherPort}`;
    log(`example page on ${web} (and ${webByAddress}); ${disallowed} is not in the CORS list`);

    const [main, expiry] = await Promise.all([
        startServer(serverBinary, ['--demo', '--demo-speed', '2', '--cookie-mode', 'on',
            '--cors-origins', `${web},${webByAddress}`], { name: 'sluice-server (demo)' }),
        startServer(serverBinary, ['--replay', expiryTranscript(work), '--log-level', 'debug',
            '--stream-token-ttl', '10s', '--token-leeway', '0s', '--stream-max-lifetime', '5s',
            '--sse-retry', '7s', '--cors-origins', web], { name: 'sluice-server (expiry)' }),
    ]);
    cleanups.push(() => main.stop(), () => expiry.stop());
    log(`sluice-server ${main.base} (demo) and ${expiry.base} (stream tokens live 10 s, streams 5 s)`);

    try {
        browser = await chromium.launch({
            executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, timeout: 60000,
        });
    } catch (error) {
        throw new Error(`Chromium (${CHROMIUM}) did not start: ${error.message}`);
    }
    cleanups.push(() => browser.close());
    log(`Chromium ${browser.version()}`);

    try {
        await Promise.all([
            expiryScenario(expiry, web),
            (async () => {
                await followToDone(main, web, 'token', { screenshot: true });
                await followToDone(main, web, 'cookie');
                await followToDone(main, web, 'fetch');
                await preflightScenario(main, web, disallowed);
            })(),
            crossSiteCookieScenario(main, webByAddress),
        ]);

        const responses = pages.flatMap((p) => p.network.all().map((r) => ({ ...r, page: p.label })));
        const wildcard = responses.filter((r) => header(r.headers, 'access-control-allow-origin') === '*');
        assert.deepEqual(wildcard.map((r) => `${r.page}: ${r.method} ${r.url}`), [],
            'no response carries Access-Control-Allow-Origin: *');
        const withCors = responses.filter((r) => header(r.headers, 'access-control-allow-origin'));
        assert.ok(withCors.length > 10, 'CORS answers were recorded');
        log(`${responses.length} requests recorded, ${withCors.length} CORS answers, none with *`);

        // A sanitizer report ends the server with another status: the servers must stop cleanly.
        for (const server of [main, expiry]) {
            await server.stop();
            assert.equal(server.exitStatus, 0, `${server.name} stopped with ${server.exitStatus}`);
            assert.doesNotMatch(server.log(), /ERROR: AddressSanitizer|runtime error:|LeakSanitizer/,
                `${server.name} reported a sanitizer error`);
        }
    } catch (error) {
        for (const s of [main, expiry])
            console.error(`--- ${s.name} log (last 40 lines) ---\n${s.log().split('\n').slice(-40).join('\n')}`);
        throw error;
    }
}

async function cleanUp() {
    while (cleanups.length > 0) {
        try {
            await cleanups.pop()();
        } catch (error) {
            console.error(`cleanup: ${error.message}`);
        }
    }
}

// CTest's timeout or Ctrl-C: the servers and Chromium go too.
for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, async () => {
        console.error(`FAIL: ${signal}`);
        await cleanUp();
        process.exit(1);
    });
}

let status = 0;
try {
    await main();
    log('all browser scenarios passed');
} catch (error) {
    console.error(`FAIL: ${error.stack ?? error}`);
    status = 1;
} finally {
    await cleanUp();
}
process.exit(status);
