// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// node render.mjs OPENAPI.yaml OUT.html: the HTTP API reference as one self-contained HTML page
// (no scripts, no fonts or styles from elsewhere), next to the SDK's Doxygen pages.
import { writeFileSync } from 'node:fs';
import SwaggerParser from '@apidevtools/swagger-parser';

const [file, out] = process.argv.slice(2);
const api = await SwaggerParser.validate(file);
// $refs are rendered by name (readable, and the schemas have their own section below).
const doc = await SwaggerParser.parse(file);

const escape = (text) => String(text ?? '')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
// The descriptions use Markdown code spans and paragraphs, nothing more.
const prose = (text) => (text ?? '') === '' ? '' : escape(text).split(/\n\s*\n/)
    .map((p) => `<p>${p.replace(/`([^`]+)`/g, '<code>$1</code>')}</p>`).join('\n');
const refName = (ref) => ref.split('/').pop();
const anchor = (ref) => `#${ref.replace(/^#\//, '').replace(/\//g, '-')}`;
const schemaHtml = (schema) => {
    if (!schema)
        return '';
    const json = JSON.stringify(schema, null, 2);
    return `<pre>${escape(json).replace(/&quot;\$ref&quot;: &quot;(#\/[^&]+)&quot;/g,
        (_, ref) => `&quot;$ref&quot;: <a href="${anchor(ref)}">${escape(refName(ref))}</a>`)}</pre>`;
};
// '#/components/responses/NotFound' → doc.components.responses.NotFound
const resolve = (object) => (object?.$ref
    ? doc.components[object.$ref.split('/')[2]][refName(object.$ref)] : object);

const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const parts = [];
parts.push(`<h1>${escape(doc.info.title)} ${escape(doc.info.version)} — HTTP API</h1>`);
if (doc.info.summary)
    parts.push(`<p><strong>${escape(doc.info.summary)}</strong></p>`);
parts.push(prose(doc.info.description));
parts.push('<h2>Operations</h2><ul class="toc">');
for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of methods.filter((m) => item[m]))
        parts.push(`<li><a href="#${method}-${escape(path)}"><span class="method">${method.toUpperCase()}</span> ${escape(path)}</a></li>`);
}
parts.push('</ul>');
for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of methods.filter((m) => item[m])) {
        const op = item[method];
        parts.push(`<section id="${method}-${escape(path)}"><h3><span class="method">${method.toUpperCase()}</span> <code>${escape(path)}</code></h3>`);
        parts.push(prose(op.summary));
        parts.push(prose(op.description));
        const security = op.security ?? doc.security;
        parts.push(`<p><em>Authentication:</em> ${security && security.length
            ? escape(security.map((s) => Object.keys(s).join(' + ') || 'none').join(' or ')) : 'none'}</p>`);
        const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map(resolve);
        if (params.length) {
            parts.push('<table><tr><th>parameter</th><th>in</th><th>required</th><th>description</th></tr>');
            for (const p of params)
                parts.push(`<tr><td><code>${escape(p.name)}</code></td><td>${escape(p.in)}</td><td>${p.required ? 'yes' : ''}</td><td>${escape(p.description)}</td></tr>`);
            parts.push('</table>');
        }
        if (op.requestBody) {
            const body = resolve(op.requestBody);
            for (const [type, media] of Object.entries(body.content ?? {}))
                parts.push(`<h4>Request body (<code>${escape(type)}</code>)</h4>${schemaHtml(media.schema)}`);
        }
        parts.push('<h4>Responses</h4><dl>');
        for (const [status, raw] of Object.entries(op.responses ?? {})) {
            const response = resolve(raw);
            parts.push(`<dt>${escape(status)}</dt><dd>${prose(response.description)}`);
            for (const [type, media] of Object.entries(response.content ?? {}))
                parts.push(`<div><code>${escape(type)}</code></div>${schemaHtml(media.schema)}`);
            parts.push('</dd>');
        }
        parts.push('</dl></section>');
    }
}
parts.push('<h2>Schemas</h2>');
for (const [name, schema] of Object.entries(doc.components?.schemas ?? {}))
    parts.push(`<section id="components-schemas-${escape(name)}"><h3>${escape(name)}</h3>${schemaHtml(schema)}</section>`);

const style = `body{font:15px/1.5 sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222}
code,pre{font-family:monospace}pre{background:#f4f4f4;padding:.6em;overflow:auto}
.method{font-weight:bold;font-family:monospace}section{border-top:1px solid #ddd;margin-top:1.5em}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}
dt{font-weight:bold}ul.toc{columns:2}`;
writeFileSync(out, `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(api.info.title)} HTTP API</title>
<style>${style}</style></head><body>
${parts.join('\n')}
</body></html>
`);
console.log(`${out}: ${Object.keys(doc.paths).length} paths`);
