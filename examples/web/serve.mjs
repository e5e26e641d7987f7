#!/usr/bin/env node
// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// Serves examples/web on its own origin, apart from the API (which is the point of the example):
//
//   node examples/web/serve.mjs [--port 8081] [--host 127.0.0.1]
//
// Prints "serving examples/web on http://localhost:PORT/" once it listens (port 0 picks a free
// one). A development server: GET and HEAD of the files in this directory, nothing else.

import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const contentTypes = {
    '.html': 'text/html; charset=utf-8',
    '.mjs': 'text/javascript; charset=utf-8',
    '.js': 'text/javascript; charset=utf-8',
    '.css': 'text/css; charset=utf-8',
    '.svg': 'image/svg+xml',
    '.png': 'image/png',
    '.ico': 'image/x-icon',
};

// The file under `root` that `urlPath` names, or null: no `..` out of root, no hidden files, only
// the types above (so nothing else lying in the directory is ever served).
export function resolveFile(root, urlPath) {
    let path;
    try {
        path = decodeURIComponent(urlPath.split('?')[0]);
    } catch {
        return null;
    }
    if (path.includes('\0') || path.includes('\\'))
        return null;
    if (path.endsWith('/'))
        path += 'index.html';
    const file = normalize(join(root, path));
    if (!file.startsWith(root + sep))
        return null;
    if (file.slice(root.length).split(sep).some((part) => part.startsWith('.')))
        return null;
    return contentTypes[extname(file)] ? file : null;
}

export function createStaticServer(directory = dirname(fileURLToPath(import.meta.url))) {
    const root = resolve(directory);
    return createServer(async (request, response) => {
        const headers = {
            'Cache-Control': 'no-store',
            'X-Content-Type-Options': 'nosniff',
            'Referrer-Policy': 'no-referrer',
        };
        if (request.method !== 'GET' && request.method !== 'HEAD') {
            response.writeHead(405, { ...headers, Allow: 'GET, HEAD' }).end();
            return;
        }
        const file = resolveFile(root, request.url ?? '/');
        let body;
        try {
            body = file ? await readFile(file) : null;
        } catch {
            body = null;
        }
        if (!body) {
            response.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
            response.end(request.method === 'HEAD' ? undefined : 'not found\n');
            return;
        }
        response.writeHead(200, {
            ...headers,
            'Content-Type': contentTypes[extname(file)],
            'Content-Length': body.length,
            // The page talks to the API on another origin: connect-src allows any.
            'Content-Security-Policy':
                "default-src 'self'; connect-src *; base-uri 'none'; frame-ancestors 'none'; form-action 'none'",
        });
        response.end(request.method === 'HEAD' ? undefined : body);
    });
}

function main(argv) {
    let port = 8081;
    let host = '127.0.0.1';
    for (let i = 0; i < argv.length; ++i) {
        if (argv[i] === '--port')
            port = Number(argv[++i]);
        else if (argv[i] === '--host')
            host = argv[++i];
        else {
            console.error('usage: serve.mjs [--port N] [--host ADDRESS]');
            process.exit(2);
        }
    }
    const server = createStaticServer();
    server.listen(port, host, () => {
        console.log(`serving examples/web on http://localhost:${server.address().port}/`);
    });
    const stop = () => {
        server.close(() => process.exit(0));
        server.closeAllConnections();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
    main(process.argv.slice(2));
