// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// node validate.mjs FILE: exits 0 when FILE is a valid OpenAPI 3.1 document (schema and
// references, checked by @apidevtools/swagger-parser), 1 with the validator's findings otherwise.
import SwaggerParser from '@apidevtools/swagger-parser';

const file = process.argv[2];
try {
    const api = await SwaggerParser.validate(file);
    if (!String(api.openapi).startsWith('3.1.'))
        throw new Error(`openapi is ${api.openapi}, expected 3.1.x`);
    const operations = Object.values(api.paths ?? {})
        .flatMap((item) => Object.keys(item).filter((k) => k !== 'parameters')).length;
    console.log(`${file}: valid OpenAPI ${api.openapi} (${operations} operations)`);
} catch (error) {
    console.error(`${file}: not a valid OpenAPI 3.1 document`);
    console.error(error.message);
    process.exit(1);
}
