// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// ServerContext: everything a route needs, handed to every register*Routes() function.
// ServerApp owns all of it; routes keep only the references.
//
// Register routes through `routes` (RouteTable::get/post/add), not QHttpServer::route(): the table
// is what answers 405 for a known path with another method, what `--print-routes` lists and what
// the OpenAPI coverage test checks. Replies from route handlers get CORS, security headers and the
// request-log line automatically; replies written through a QHttpServerResponder must use
// `finisher.responderHeaders()` and `finisher.logResponderReply()`.
#pragma once

namespace Sluice::Server {

struct ServerConfig;
class Store;
class TokenService;
class Authenticator;
class RefreshTokenService;
class LoginRateLimiter;
class PasswordHashPool;
class CorsPolicy;
class ResponseFinisher;
class RouteTable;
class Metrics;
class StreamLimits;
class PromptLifecycle;
class EventBus;
class StreamHub;
class EventPublisher;
class Quotas;
class PublishRateLimiter;

class ServerContext
{
public:
    const ServerConfig &config;
    Store &store;
    TokenService &tokens;
    Authenticator &authenticator;
    RefreshTokenService &refreshTokens;
    LoginRateLimiter &loginLimiter;
    // Login password checks run here, off the event loop (the reply is sent when it is done).
    PasswordHashPool &passwordHashes;
    const CorsPolicy &cors;
    const ResponseFinisher &finisher;
    RouteTable &routes;
    // Metrics registry, stream caps (the stream route calls tryAcquire/release) and the
    // prompt lifecycle signal (promptCreated → demo producer).
    Metrics &metrics;
    StreamLimits &streamLimits;
    PromptLifecycle &promptLifecycle;
    // Events enter a prompt only through `publisher` (log first, then `bus`); `streams` holds the
    // open SSE streams (ends a user's or a sign-in's streams on logout, drains on shutdown).
    EventBus &bus;
    StreamHub &streams;
    EventPublisher &publisher;
    // Abuse limits: the per-user / per-prompt quotas (checked by the store inside the write) and
    // the per-prompt publish rate limit of the event route.
    const Quotas &quotas;
    PublishRateLimiter &publishLimiter;
};

} // namespace Sluice::Server
