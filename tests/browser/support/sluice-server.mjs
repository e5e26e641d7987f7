// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// The real sluice-server for the browser tests, the Node.js counterpart of the C++ tests'
// ServerProcess (tests/server/support): 127.0.0.1 port 0, a temporary data directory, the
// environment without the developer's SLUICE_* settings, cheap password hashes; stop() always
// ends it (SIGTERM, SIGKILL after 5 s) and removes the directory.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const running = new Set();

// Last resort when the test process exits without its finally blocks (an uncaught error).
process.on('exit', () => {
    for (const server of running)
        server.child.kill('SIGKILL');
});

export async function startServer(binary, args, { name = 'sluice-server', timeoutMs = 60000 } = {}) {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-browser-'));
    const env = {};
    for (const [key, value] of Object.entries(process.env)) {
        if (!key.startsWith('SLUICE_') && key !== 'CORS_ORIGIN')
            env[key] = value;
    }
    // As ServerProcess: scrypt N = 2^12 and a hash budget the tests' sign-ins do not reach.
    env.SLUICE_SCRYPT_LOG_N = '12';
    env.SLUICE_LOGIN_HASH_RATE = '1000';
    const child = spawn(binary, ['--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir, ...args],
        { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const server = {
        name,
        child,
        output: '',
        base: '',
        password: '',
        exited: false,
        log() {
            return this.output;
        },
        // Lines of the request log ("METHOD /path … status") seen so far.
        requestLines(method, pathPart) {
            return this.output.split('\n').filter((line) => line.includes(` ${method} `)
                && line.includes(pathPart));
        },
        async stop() {
            if (!running.has(server))
                return;
            running.delete(server);
            if (!server.exited) {
                child.kill('SIGTERM');
                const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
                await exited;
                clearTimeout(killer);
            }
            rmSync(dataDir, { recursive: true, force: true });
        },
    };
    const exited = new Promise((resolve) => child.on('exit', (code, signal) => {
        server.exited = true;
        server.exitStatus = signal ?? code;
        resolve();
    }));
    running.add(server);
    const collect = (chunk) => { server.output += chunk.toString(); };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);

    const deadline = Date.now() + timeoutMs;
    while (!server.base || (args.includes('--demo') || args.includes('--replay')) && !server.password) {
        if (server.exited) {
            await server.stop();
            throw new Error(`${name} exited during startup (${server.exitStatus}):\n${server.output}`);
        }
        if (Date.now() > deadline) {
            await server.stop();
            throw new Error(`${name} did not start within ${timeoutMs} ms:\n${server.output}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
        server.base = server.output.match(/^sluice-server listening on (http:\/\/\S+)$/m)?.[1] ?? '';
        server.password = server.output.match(/^demo user: demo {2}password: (\S+)$/m)?.[1] ?? '';
    }
    server.port = Number(new URL(server.base).port);
    return server;
}
