// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

namespace SluiceStream {

// sluice-stream's process exit codes. Scripts depend on these: never renumber, only add.
// Documented in `sluice-stream --help` and app/cli/README.md.
enum ExitCode : int {
    Success = 0, // --max-events reached, server answered 204, the prompt is done (server form),
                 // the server ended the stream with --no-reconnect, or --help/--version
    InternalError = 1, // a bug or an unexpected condition
    UsageError = 2, // bad command line (unknown option, bad value, unreadable --data @file,
                    // no password on stdin for --password-stdin)
    AuthFailure = 3, // HTTP 401 or 403, or signing in failed (wrong password, rate limited,
                     // session revoked/expired, keychain empty or unavailable)
    HttpFailure = 4, // any other status that does not open a stream (404: unknown prompt),
                     // wrong content type, too many redirects, other API errors
    NetworkFailure = 5, // network/TLS failure signing in, connection failed/dropped (read
                        // timeout included) with --no-reconnect, or the retry budget
                        // (--max-retries, --retry-budget) is spent
    Timeout = 6, // --timeout elapsed before anything else ended the run
    ParseLimit = 7, // a line or event exceeded --max-line-bytes / --max-event-bytes
    Interrupted = 130, // SIGINT (128 + 2)
    Terminated = 143, // SIGTERM (128 + 15)
};

} // namespace SluiceStream
