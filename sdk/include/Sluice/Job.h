// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#pragma once

#include <Sluice/Error.h>
#include <Sluice/sluice_global.h>

#include <QtCore/QObject>

#include <memory>

namespace Sluice {

class JobPrivate;

/// An asynchronous operation of the SDK (sign-in, refresh, an API call, a keychain access), in
/// the style of QNetworkReply and QtKeychain's jobs: connect to finished(), then read error()
/// and the subclass's result.
///
///   Sluice::Job *job = session->login(user, password);
///   connect(job, &Sluice::Job::finished, this, [](Sluice::Job *job) {
///       if (job->error().isError())
///           qWarning() << job->error().message();
///   });
///
/// finished() is emitted exactly once, never before control returns to the event loop (connect
/// after the call that made the job). With autoDelete() (the default) the job deletes itself
/// after finished(); keep no pointer to it beyond that slot.
class SLUICE_EXPORT Job : public QObject
{
    Q_OBJECT
    Q_PROPERTY(bool finished READ isFinished)
    Q_PROPERTY(bool autoDelete READ autoDelete WRITE setAutoDelete)
public:
    ~Job() override;

    /// True once finished() has been emitted.
    bool isFinished() const;
    /// NoError on success.
    Error error() const;

    /// Whether the job deletes itself after finished() (default true).
    bool autoDelete() const;
    /// Sets autoDelete().
    void setAutoDelete(bool autoDelete);

public Q_SLOTS:
    /// Finishes the job now with an error of kind Canceled (no-op once finished). What was
    /// already sent to the server may still take effect there.
    void abort();

Q_SIGNALS:
    /// The job is done, successfully or not (see error()); emitted once, from the event loop.
    void finished(Sluice::Job *job);

protected:
    /// For subclasses: a job that is not finished yet.
    explicit Job(QObject *parent = nullptr);
    /// For subclasses with their own private data (derived from JobPrivate).
    Job(JobPrivate &dd, QObject *parent);
    /// Marks the job finished with `error` and emits finished() from the event loop. Only the
    /// first call counts.
    void finish(const Error &error = {});
    /// Called once by abort() before the job finishes as Canceled: stop the work in flight.
    virtual void cancel();

    /// The private data (pimpl) shared with subclasses.
    std::unique_ptr<JobPrivate> d_ptr;

private:
    Q_DECLARE_PRIVATE(Job)
};

} // namespace Sluice
