# Copyright (c) Sluice contributors. SPDX-License-Identifier: MIT
# Debian packages from the install components (`cpack` in the package build, see
# `scripts/dev package`): one package per component, Depends: computed by dpkg-shlibdeps.
#   server  → sluice-server   tools → sluice-tools   viewer → sluice-viewer
#   library → libsluice1      sdk   → libsluice-dev

set(SLUICE_DEB_RELEASE 1)
set(SLUICE_DEB_VERSION "${PROJECT_VERSION}-${SLUICE_DEB_RELEASE}")

# --- files only the packages carry -----------------------------------------------------------

# The service: unit, system user, configuration. Absolute destinations: /etc and /lib are not
# under the /usr prefix.
install(FILES systemd/sluice-server.service
    DESTINATION /lib/systemd/system COMPONENT server)
install(FILES systemd/sluice-server.sysusers
    DESTINATION ${CMAKE_INSTALL_PREFIX}/lib/sysusers.d RENAME sluice-server.conf COMPONENT server)
install(FILES sluice.env DESTINATION /etc/sluice COMPONENT server)
install(FILES nginx/sluice.conf nginx/sluice-cluster.conf nginx/sluice-proxy.conf
    caddy/Caddyfile DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/sluice-server/examples COMPONENT server)

# Man pages from each program's --help (help2man), compressed as Debian wants them.
find_program(SLUICE_HELP2MAN help2man REQUIRED)
find_program(SLUICE_GZIP gzip REQUIRED)
set(SLUICE_MAN_PAGES
    "sluice-server|server|Server-Sent Events for authenticated clients"
    "sluice-stream|tools|command-line client for Server-Sent Events and Sluice prompts"
    "sluice-viewer|viewer|desktop viewer of Sluice prompt streams")
set(SLUICE_MAN_FILES)
foreach(entry IN LISTS SLUICE_MAN_PAGES)
    string(REPLACE "|" ";" entry "${entry}")
    list(GET entry 0 program)
    list(GET entry 1 component)
    list(GET entry 2 summary)
    if(NOT TARGET ${program})
        continue()
    endif()
    set(page ${CMAKE_CURRENT_BINARY_DIR}/man/${program}.1.gz)
    # QT_QPA_PLATFORM: the viewer answers --help without a display, but never tries one here.
    add_custom_command(OUTPUT ${page}
        COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/man
        COMMAND ${CMAKE_COMMAND} -E env QT_QPA_PLATFORM=offscreen
                ${SLUICE_HELP2MAN} --no-info --no-discard-stderr --section=1
                "--name=${summary}" --output=${CMAKE_CURRENT_BINARY_DIR}/man/${program}.1
                $<TARGET_FILE:${program}>
        COMMAND ${SLUICE_GZIP} -n -9 -f ${CMAKE_CURRENT_BINARY_DIR}/man/${program}.1
        DEPENDS ${program}
        COMMENT "help2man ${program}"
        VERBATIM)
    list(APPEND SLUICE_MAN_FILES ${page})
    install(FILES ${page} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT ${component})
endforeach()

# Every package carries the copyright file and the Debian changelog (gzip -n: reproducible).
configure_file(debian/changelog.in ${CMAKE_CURRENT_BINARY_DIR}/debian/changelog @ONLY)
set(SLUICE_DEB_CHANGELOG ${CMAKE_CURRENT_BINARY_DIR}/debian/changelog.Debian.gz)
add_custom_command(OUTPUT ${SLUICE_DEB_CHANGELOG}
    COMMAND ${SLUICE_GZIP} -n -9 -c ${CMAKE_CURRENT_BINARY_DIR}/debian/changelog
            > ${SLUICE_DEB_CHANGELOG}
    DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/debian/changelog.in
    VERBATIM)
add_custom_target(sluice_package_files ALL DEPENDS ${SLUICE_MAN_FILES} ${SLUICE_DEB_CHANGELOG})

set(SLUICE_DEB_COMPONENTS server library sdk tools)
if(TARGET sluice-viewer)
    list(APPEND SLUICE_DEB_COMPONENTS viewer)
endif()
set(SLUICE_DEB_NAME_server sluice-server)
set(SLUICE_DEB_NAME_library libsluice1)
set(SLUICE_DEB_NAME_sdk libsluice-dev)
set(SLUICE_DEB_NAME_tools sluice-tools)
set(SLUICE_DEB_NAME_viewer sluice-viewer)
foreach(component IN LISTS SLUICE_DEB_COMPONENTS)
    set(doc ${CMAKE_INSTALL_DATADIR}/doc/${SLUICE_DEB_NAME_${component}})
    install(FILES debian/copyright DESTINATION ${doc} COMPONENT ${component})
    install(FILES ${SLUICE_DEB_CHANGELOG} DESTINATION ${doc} COMPONENT ${component})
endforeach()

# --- CPack --------------------------------------------------------------------------------------

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sluice)
set(CPACK_PACKAGE_VENDOR "Sluice contributors")
set(CPACK_PACKAGE_CONTACT "Sluice contributors <sluice@example.org>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL ${SLUICE_DEB_COMPONENTS})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE ${SLUICE_DEB_RELEASE})
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends: from the binaries; libsluice.so.1 is found in this build and depended on exactly
# (component DEPENDS below), as no installed package owns it yet.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${PROJECT_BINARY_DIR}/sdk)
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_SERVER_PACKAGE_NAME sluice-server)
set(CPACK_DEBIAN_SERVER_PACKAGE_SECTION net)
# systemd: the unit and systemd-sysusers (the service's user) in postinst.
set(CPACK_DEBIAN_SERVER_PACKAGE_DEPENDS "systemd")
set(CPACK_DEBIAN_SERVER_PACKAGE_SUGGESTS "nginx | caddy, sluice-tools")
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_EXTRA
    ${CMAKE_CURRENT_SOURCE_DIR}/debian/server/conffiles
    ${CMAKE_CURRENT_SOURCE_DIR}/debian/server/postinst
    ${CMAKE_CURRENT_SOURCE_DIR}/debian/server/prerm
    ${CMAKE_CURRENT_SOURCE_DIR}/debian/server/postrm)
set(CPACK_COMPONENT_SERVER_DESCRIPTION
    "Server-Sent Events for authenticated clients: the server
sluice-server serves prompts and their events as Server-Sent Events to
signed-in clients: users and sessions, short-lived stream tokens, one CORS
policy, a durable event log (nothing lost across reconnects, token expiry or
restarts), metrics.

This package runs it as the systemd service sluice-server.service under its
own system user, configured in /etc/sluice/sluice.env, with its state in
/var/lib/sluice.")

set(CPACK_DEBIAN_LIBRARY_PACKAGE_NAME libsluice1)
set(CPACK_DEBIAN_LIBRARY_PACKAGE_SECTION libs)
# shlibs (only libsluice1 has a shared object): packages built against it depend on
# libsluice1 (>= this version). The ldconfig trigger is what lintian asks for; CPack adds
# ldconfig calls to postinst/postrm on its own as well.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
set(CPACK_DEBIAN_LIBRARY_PACKAGE_CONTROL_EXTRA ${CMAKE_CURRENT_SOURCE_DIR}/debian/library/triggers)
set(CPACK_COMPONENT_LIBRARY_DESCRIPTION
    "Server-Sent Events for authenticated clients: Qt 6 client library
The Sluice SDK: an exact WHATWG Server-Sent Events parser, an EventSource with
reconnection, backoff and Last-Event-ID resume, sign-in with token refresh and
keychain storage, and prompt streams that never lose or repeat an event.

This package contains the shared library.")

set(CPACK_DEBIAN_SDK_PACKAGE_NAME libsluice-dev)
set(CPACK_DEBIAN_SDK_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_SDK_PACKAGE_DEPENDS "qt6-base-dev (>= 6.4)")
set(CPACK_COMPONENT_SDK_DEPENDS library)
set(CPACK_COMPONENT_SDK_DESCRIPTION
    "Server-Sent Events for authenticated clients: Qt 6 SDK development files
The Sluice SDK: an exact WHATWG Server-Sent Events parser, an EventSource with
reconnection, backoff and Last-Event-ID resume, sign-in with token refresh and
keychain storage, and prompt streams that never lose or repeat an event.

This package contains the headers, the CMake package (find_package(Sluice)) and
the pkg-config file (sluice).")

set(CPACK_DEBIAN_TOOLS_PACKAGE_NAME sluice-tools)
set(CPACK_DEBIAN_TOOLS_PACKAGE_SECTION net)
set(CPACK_COMPONENT_TOOLS_DEPENDS library)
set(CPACK_COMPONENT_TOOLS_DESCRIPTION
    "Server-Sent Events for authenticated clients: command-line client
sluice-stream is curl for Server-Sent Events: reconnection with backoff,
Last-Event-ID resume, read timeouts, JSON-lines output. Against a Sluice server
it signs in, creates or picks a prompt and follows its stream to the end.")

set(CPACK_DEBIAN_VIEWER_PACKAGE_NAME sluice-viewer)
set(CPACK_DEBIAN_VIEWER_PACKAGE_SECTION net)
set(CPACK_COMPONENT_VIEWER_DEPENDS library)
set(CPACK_COMPONENT_VIEWER_DESCRIPTION
    "Server-Sent Events for authenticated clients: desktop viewer
sluice-viewer shows the prompts of a Sluice server live: text as it arrives,
tool calls and their results, the state of the connection. It signs in once and
can remember the sign-in in the desktop's keychain.")

include(CPack)
