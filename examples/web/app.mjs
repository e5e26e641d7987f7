// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// The example page: sign in, create a prompt, follow it in the chosen mode and render its events
// as they arrive. Everything the server sends is put into the page as text, never as HTML.
// `?api=URL&user=NAME` prefill the form (scripts/run-demo --web prints such a link).

import { SluiceSession, followers } from './sluice-client.mjs';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

// What the page has seen, for people in the console and for tests/browser.
const example = {
    session: null,
    follower: null,
    sessionId: '',
    promptId: '',
    state: 'idle',
    eventIds: [],
    events: [],
};
window.sluiceExample = example;

$('page-origin').textContent = `page origin ${location.origin}`;
$('api').value = params.get('api') ?? 'http://localhost:8080';
$('username').value = params.get('user') ?? '';

function setStatus(element, text, isError = false) {
    element.textContent = text;
    element.classList.toggle('error', isError);
}

$('signin-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    setStatus($('signin-status'), 'signing in…');
    try {
        example.session = await SluiceSession.signIn($('api').value, $('username').value,
            $('password').value);
        setStatus($('signin-status'), `signed in as ${$('username').value}`);
        $('start').disabled = false;
    } catch (error) {
        // A TypeError is what fetch() reports when the browser blocked the request (CORS) or the
        // server is unreachable; the page cannot tell which.
        const reason = error instanceof TypeError
            ? `${error.message} (server unreachable, or this origin is not in its CORS list)`
            : error.message;
        setStatus($('signin-status'), `sign-in failed: ${reason}`, true);
    }
});

$('follow-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const mode = new FormData($('follow-form')).get('mode');
    example.follower?.stop();
    resetTranscript();
    try {
        const session = await example.session.createSession('browser example');
        const prompt = await example.session.createPrompt(session.id, $('prompt-text').value);
        follow(mode, session.id, prompt.id);
    } catch (error) {
        showState('failed', error.message);
    }
});

// Follows a prompt that exists already (also what tests/browser calls).
export function follow(mode, sessionId, promptId) {
    example.follower?.stop();
    example.sessionId = sessionId;
    example.promptId = promptId;
    $('session-id').textContent = sessionId;
    $('prompt-id').textContent = promptId;
    example.follower = followers[mode](example.session, sessionId, promptId, {
        onEvent: render,
        onState: showState,
    });
    return example.follower;
}
example.follow = follow;

function showState(state, detail) {
    example.state = state;
    const element = $('stream-state');
    element.dataset.state = state;
    element.textContent = detail ? `${state} — ${detail}` : state;
}

let currentMessage = null;
const toolCards = new Map();

function resetTranscript() {
    $('transcript').replaceChildren();
    $('events').replaceChildren();
    $('event-count').textContent = '0';
    example.eventIds = [];
    example.events = [];
    currentMessage = null;
    toolCards.clear();
}

function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className)
        node.className = className;
    if (text !== undefined)
        node.textContent = text;
    return node;
}

function render(event) {
    example.events.push(event);
    if (event.id !== null)
        example.eventIds.push(event.id);
    const item = element('li', '', `${event.id ?? '–'} ${event.type}`);
    item.dataset.type = event.type;
    if (event.id !== null)
        item.dataset.id = String(event.id);
    $('events').append(item);
    $('events').scrollTop = $('events').scrollHeight;
    $('event-count').textContent = String(example.eventIds.length);

    const transcript = $('transcript');
    const data = event.data ?? {};
    switch (event.type) {
    case 'message':
        if (data.final) {
            transcript.append(element('p', 'message final', data.text ?? ''));
            currentMessage = null;
        } else {
            if (!currentMessage) {
                currentMessage = element('p', 'message');
                transcript.append(currentMessage);
            }
            currentMessage.textContent += data.delta ?? data.text ?? '';
        }
        break;
    case 'tool_use': {
        currentMessage = null;
        const card = element('div', 'tool');
        const head = element('header');
        head.append(element('strong', '', data.name ?? 'tool'), element('code', '', data.id ?? ''));
        card.append(head, element('pre', 'input', JSON.stringify(data.input ?? {}, null, 2)));
        toolCards.set(data.id, card);
        transcript.append(card);
        break;
    }
    case 'tool_result': {
        const text = typeof data.content === 'string' ? data.content : JSON.stringify(data.content, null, 2);
        const result = element('pre', data.is_error ? 'result error' : 'result', text);
        (toolCards.get(data.tool_use_id) ?? transcript).append(result);
        break;
    }
    case 'status':
        transcript.append(element('p', 'note', `status: ${data.state ?? JSON.stringify(data)}`));
        break;
    case 'error':
        transcript.append(element('p', 'note', `error: ${data.message ?? JSON.stringify(data)}`));
        break;
    case 'done':
        transcript.append(element('p', 'note', `done (${data.reason ?? 'finished'})`));
        break;
    default:
        break;
    }
    transcript.scrollTop = transcript.scrollHeight;
}
