// Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
#include "app/logconfiguration.h"

#include <QtCore/QLoggingCategory>

namespace Sluice::Server {
void configureLogging(LogLevel level)
{
    qSetMessagePattern(QStringLiteral("%{time yyyy-MM-ddThh:mm:ss.zzz} "
                                      "%{if-debug}debug%{endif}%{if-info}info%{endif}"
                                      "%{if-warning}warning%{endif}%{if-critical}error%{endif}"
                                      "%{if-fatal}fatal%{endif} %{category}: %{message}"));
    QString rules;
    switch (level) {
    case LogLevel::Error:
        rules += QStringLiteral("sluice.*.warning=false\n");
        Q_FALLTHROUGH();
    case LogLevel::Warning:
        rules += QStringLiteral("sluice.*.info=false\n");
        Q_FALLTHROUGH();
    case LogLevel::Info:
        rules += QStringLiteral("sluice.*.debug=false\n");
        Q_FALLTHROUGH();
    case LogLevel::Debug:
        break;
    }
    QLoggingCategory::setFilterRules(rules);
}
} // namespace Sluice::Server
