// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <Sluice/Error.h>

namespace Sluice {

// The library's way to fill in the parts of an Error that applications only read.
class ErrorBuilder
{
public:
    explicit ErrorBuilder(Error::Kind kind, const QString &message = {});
    explicit ErrorBuilder(const Error &from);

    ErrorBuilder &httpStatus(int status);
    ErrorBuilder &willRetry(bool retry);
    ErrorBuilder &retryAfter(std::optional<std::chrono::milliseconds> delay);
    ErrorBuilder &serverCode(const QString &code);
    // Also takes the status and the server's error code from the response.
    ErrorBuilder &response(const Response &response);
    ErrorBuilder &message(const QString &message);

    Error build() const { return m_error; }
    operator Error() const { return m_error; }

private:
    Error m_error;
};

} // namespace Sluice
