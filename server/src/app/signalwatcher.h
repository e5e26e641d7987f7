// SignalWatcher: turns SIGTERM / SIGINT into a Qt signal (self-pipe + QSocketNotifier), so shutdown
// runs in the event loop and not inside an async signal handler.
#pragma once

#include <QObject>

class QSocketNotifier;

namespace Sluice::Server {

class SignalWatcher : public QObject
{
    Q_OBJECT
public:
    explicit SignalWatcher(QObject *parent = nullptr);
    ~SignalWatcher() override;

Q_SIGNALS:
    void terminationRequested(int signalNumber);

private:
    QSocketNotifier *m_notifier = nullptr;
};

} // namespace Sluice::Server
