// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// examples/web/serve.mjs, the example's development server: it serves the example's files with
// their content types and nothing else — no path out of the directory (plain, encoded, doubly
// encoded, backslashes), no hidden files, no unknown types, GET and HEAD only.

import assert from 'node:assert/strict';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { createStaticServer, resolveFile } from '../../examples/web/serve.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../examples/web');

// Raw requests: fetch() would normalise `..` in the path before sending it.
function get(port, path, method = 'GET') {
    return new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path, method }, (response) => {
            let body = '';
            response.on('data', (chunk) => { body += chunk; });
            response.on('end', () => resolve({ status: response.statusCode, headers: response.headers, body }));
        });
        req.on('error', reject);
        req.end();
    });
}

const server = createStaticServer(root);
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
try {
    const index = await get(port, '/');
    assert.equal(index.status, 200);
    assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(index.body, /<script type="module" src="app.mjs">/);
    assert.equal(index.headers['x-content-type-options'], 'nosniff');
    assert.equal(index.headers['access-control-allow-origin'], undefined, 'no CORS on the page');

    for (const [path, type] of [['/app.mjs', 'text/javascript; charset=utf-8'],
        ['/sluice-client.mjs', 'text/javascript; charset=utf-8'],
        ['/style.css', 'text/css; charset=utf-8'], ['/index.html?api=x', 'text/html; charset=utf-8']]) {
        const response = await get(port, path);
        assert.equal(response.status, 200, path);
        assert.equal(response.headers['content-type'], type, path);
    }

    const head = await get(port, '/app.mjs', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.ok(Number(head.headers['content-length']) > 0);

    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
        const response = await get(port, '/', method);
        assert.equal(response.status, 405, method);
        assert.equal(response.headers.allow, 'GET, HEAD');
    }

    for (const path of ['/../../../../etc/passwd', '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
        '/..%2f..%2f..%2fetc%2fpasswd', '/%252e%252e/etc/passwd', '/..\\..\\etc\\passwd',
        '/%00index.html', '/%E0%A4%A', '/missing.html', '/../CMakeLists.txt', '/.git/config',
        '/README', '/serve.mjs.bak']) {
        const response = await get(port, path);
        assert.equal(response.status, 404, path);
        assert.doesNotMatch(response.body, /root:/, path);
    }

    // The same rules, path by path.
    assert.equal(resolveFile(root, '/'), join(root, 'index.html'));
    assert.equal(resolveFile(root, '/a/../app.mjs'), join(root, 'app.mjs'));
    assert.equal(resolveFile(root, '/../minimal-client/main.cpp'), null);
    assert.equal(resolveFile(root, '/.hidden.css'), null);
    console.log('serve.mjs: types, HEAD, 405 for other methods, nothing outside examples/web');
} finally {
    server.close();
}
