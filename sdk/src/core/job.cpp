// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include <Sluice/Job.h>

#include "core/job_p.h"

#include <QtCore/QPointer>

namespace Sluice {

Job::Job(QObject *parent)
    : Job(*new JobPrivate, parent)
{ }

Job::Job(JobPrivate &dd, QObject *parent)
    : QObject(parent)
    , d_ptr(&dd)
{ }

Job::~Job() = default;

bool Job::isFinished() const
{
    Q_D(const Job);
    return d->finished;
}

Error Job::error() const
{
    Q_D(const Job);
    return d->error;
}

bool Job::autoDelete() const
{
    Q_D(const Job);
    return d->autoDelete;
}

void Job::setAutoDelete(bool autoDelete)
{
    Q_D(Job);
    d->autoDelete = autoDelete;
}

void Job::abort()
{
    Q_D(Job);
    if (d->finished)
        return;
    cancel();
    finish(Error(Error::Kind::Canceled, QStringLiteral("The operation was canceled")));
}

void Job::cancel()
{ }

void Job::finish(const Error &error)
{
    Q_D(Job);
    if (d->finished)
        return;
    d->finished = true;
    d->error = error;
    // Queued: the caller is usually inside a network signal or still returning the job.
    QMetaObject::invokeMethod(
        this,
        [this] {
            Q_D(Job);
            Q_EMIT finished(this);
            if (d->autoDelete)
                deleteLater();
        },
        Qt::QueuedConnection);
}

} // namespace Sluice
