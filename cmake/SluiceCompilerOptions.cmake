# Compiler options shared by every Sluice target: one place for warnings and sanitizers.

set(SLUICE_WARNING_FLAGS
    -Wall -Wextra -Wpedantic
    -Wnon-virtual-dtor -Woverloaded-virtual -Wimplicit-fallthrough
    -Wcast-qual -Wformat=2 -Wmissing-declarations)

if(SLUICE_SANITIZE)
    add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                        -fno-sanitize-recover=undefined)
    add_link_options(-fsanitize=address,undefined)
endif()

# sluice_target_defaults(<target>)
#   Applies Sluice's warning policy (and -Werror when SLUICE_WERROR is on) and the Qt
#   definitions every Sluice target uses.
function(sluice_target_defaults target)
    target_compile_options(${target} PRIVATE ${SLUICE_WARNING_FLAGS})
    if(SLUICE_WERROR)
        target_compile_options(${target} PRIVATE -Werror)
    endif()
    target_compile_definitions(${target} PRIVATE
        QT_NO_CAST_FROM_ASCII
        QT_NO_CAST_TO_ASCII
        QT_NO_URL_CAST_FROM_STRING
        QT_NO_NARROWING_CONVERSIONS_IN_CONNECT
        QT_USE_QSTRINGBUILDER
        QT_NO_KEYWORDS)
endfunction()
