// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
// PromptLifecycle: announces prompt life events inside the process. The prompt routes emit
// promptCreated() after a prompt is stored; the demo producer listens to start a simulated run.
#pragma once

#include "store/store.h"

#include <QtCore/QObject>

namespace Sluice::Server {

class PromptLifecycle : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

Q_SIGNALS:
    void promptCreated(const Sluice::Server::PromptRecord &prompt);
};

} // namespace Sluice::Server
