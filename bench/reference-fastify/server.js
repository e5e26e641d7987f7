// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
//
// The reference server of `scripts/dev bench`: the backend the seed guide starts from, as the
// guide shows it — fastify with @fastify/cors (credentials and an allow-list), jsonwebtoken
// access and stream tokens (approach A: ?stream_token=), an SSE route written straight to the
// socket with a `connected` event and a heartbeat per connection — with an in-process pub/sub in
// place of Redis (one listener per stream, each serialising the event itself, as a Redis
// subscriber per stream would). Same routes and event format as sluice-server, so the same load
// generator measures both. Nothing is stored: events live only in memory, which is the
// durability Sluice keeps and this server does not.
//
// Environment: PORT (0 = any; the chosen port is printed), REFERENCE_USER, REFERENCE_PASSWORD,
// HEARTBEAT_MS (default 15000), CORS_ORIGIN (comma-separated allow-list).
'use strict';

const crypto = require('node:crypto');
const { EventEmitter } = require('node:events');
const Fastify = require('fastify');
const cors = require('@fastify/cors');
const jwt = require('jsonwebtoken');

const accessSecret = crypto.randomBytes(32);
const streamSecret = crypto.randomBytes(32);
const user = process.env.REFERENCE_USER || 'bench';
const password = process.env.REFERENCE_PASSWORD || '';
const heartbeatMs = Number(process.env.HEARTBEAT_MS || 15000);
const origins = (process.env.CORS_ORIGIN || 'http://localhost:5173').split(',');

const fastify = Fastify({ logger: false });
fastify.register(cors, { origin: origins, credentials: true });

const bus = new EventEmitter();
bus.setMaxListeners(0);
const sessions = new Map(); // id -> { owner, prompts: Map(id -> { nextId }) }

fastify.decorate('authenticate', async (request, reply) => {
  const header = request.headers.authorization || '';
  try {
    request.user = jwt.verify(header.replace(/^Bearer /, ''), accessSecret);
  } catch {
    reply.code(401).send({ error: 'Invalid or expired token', code: 'AUTHENTICATION_ERROR' });
  }
});

function findPrompt(request, reply) {
  const session = sessions.get(request.params.sessionId);
  const prompt = session && session.prompts.get(request.params.promptId);
  if (!prompt || session.owner !== request.user.sub) {
    reply.code(404).send({ error: 'prompt not found', code: 'NOT_FOUND' });
    return null;
  }
  return prompt;
}

fastify.post('/api/auth/login', async (request, reply) => {
  const body = request.body || {};
  const given = Buffer.from(String(body.password || ''));
  const wanted = Buffer.from(password);
  if (body.username !== user || given.length !== wanted.length || !crypto.timingSafeEqual(given, wanted))
    return reply.code(401).send({ error: 'invalid username or password', code: 'AUTHENTICATION_ERROR' });
  const accessToken = jwt.sign({ sub: user }, accessSecret, { expiresIn: '15m' });
  return { accessToken, tokenType: 'Bearer', expiresIn: 900 };
});

fastify.post('/api/claude-code/sessions', { preHandler: fastify.authenticate }, async (request, reply) => {
  const id = crypto.randomUUID();
  sessions.set(id, { owner: request.user.sub, prompts: new Map() });
  return reply.code(201).send({ id });
});

fastify.post('/api/claude-code/sessions/:sessionId/prompts', { preHandler: fastify.authenticate },
  async (request, reply) => {
    const session = sessions.get(request.params.sessionId);
    if (!session || session.owner !== request.user.sub)
      return reply.code(404).send({ error: 'session not found', code: 'NOT_FOUND' });
    const id = crypto.randomUUID();
    session.prompts.set(id, { nextId: 1 });
    return reply.code(201).send({ id });
  });

fastify.post('/api/claude-code/sessions/:sessionId/prompts/:promptId/stream-token',
  { preHandler: fastify.authenticate }, async (request, reply) => {
    if (!findPrompt(request, reply))
      return reply;
    const { sessionId, promptId } = request.params;
    const token = jwt.sign({ sub: request.user.sub, sessionId, promptId }, streamSecret, { expiresIn: '3m' });
    return reply.send({ token, expiresIn: 180 });
  });

fastify.post('/api/claude-code/sessions/:sessionId/prompts/:promptId/events',
  { preHandler: fastify.authenticate }, async (request, reply) => {
    const prompt = findPrompt(request, reply);
    if (!prompt)
      return reply;
    const { type, data } = request.body || {};
    if (typeof type !== 'string')
      return reply.code(400).send({ error: 'type is required', code: 'VALIDATION_ERROR' });
    const id = prompt.nextId++;
    bus.emit(request.params.promptId, JSON.stringify({ id, type, data }));
    return reply.code(201).send({ id });
  });

// The guide's SSEStream: the SSE headers in one place, one event per send().
class SSEStream {
  constructor(reply) {
    this.raw = reply.raw;
    this.raw.writeHead(200, {
      ...reply.getHeaders(), // what the CORS plugin decided
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
  }
  send(event, data, id) {
    this.raw.write(`${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }
  comment(text) { this.raw.write(`: ${text}\n\n`); }
  close() { this.raw.end(); }
}

fastify.get('/api/claude-code/sessions/:sessionId/prompts/:promptId/stream', async (request, reply) => {
  const { sessionId, promptId } = request.params;
  try {
    const payload = jwt.verify(String(request.query.stream_token || ''), streamSecret);
    if (payload.sessionId !== sessionId || payload.promptId !== promptId)
      return reply.code(403).send({ error: 'Invalid stream token', code: 'AUTHORIZATION_ERROR' });
  } catch {
    return reply.code(401).send({ error: 'Invalid or expired stream token', code: 'AUTHENTICATION_ERROR' });
  }
  reply.hijack();
  const stream = new SSEStream(reply);
  stream.send('connected', { promptId, timestamp: new Date().toISOString() });
  // The guide's Redis subscriber per stream, in process: each stream parses and re-serialises.
  const listener = (message) => {
    const { id, type, data } = JSON.parse(message);
    stream.send(type, data, id);
  };
  bus.on(promptId, listener);
  const heartbeat = setInterval(() => stream.comment('heartbeat'), heartbeatMs);
  request.raw.on('close', () => {
    clearInterval(heartbeat);
    bus.off(promptId, listener);
    stream.close();
  });
});

fastify.listen({ host: '127.0.0.1', port: Number(process.env.PORT || 0) }).then((address) => {
  process.stdout.write(`reference listening on ${address}\n`);
}).catch((error) => {
  process.stderr.write(`reference: ${error.message}\n`);
  process.exit(1);
});
