# Compiles SOURCE twice: with JUDGEGRAD_CONTROL defined it must compile (so the case is well-formed
# apart from its one mistake); without, it must fail, and the compiler's output must contain the
# text given by the source's first line, "// expect: <text>".
file(STRINGS ${SOURCE} first_line LIMIT_COUNT 1)
string(REGEX REPLACE "^// expect: " "" expected "${first_line}")
set(flags -std=c++20 -fsyntax-only -I${INCLUDE})
execute_process(COMMAND ${CXX} ${flags} -DJUDGEGRAD_CONTROL ${SOURCE}
                RESULT_VARIABLE control_result OUTPUT_VARIABLE control_out ERROR_VARIABLE control_out)
if(NOT control_result EQUAL 0)
  message(FATAL_ERROR "the control version of ${SOURCE} does not compile:\n${control_out}")
endif()
execute_process(COMMAND ${CXX} ${flags} ${SOURCE} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(result EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but it must fail with: ${expected}")
endif()
string(FIND "${out}" "${expected}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "${SOURCE} failed without the expected message '${expected}':\n${out}")
endif()
# One readable message: the mistake is reported once, not as a cascade.
string(REGEX MATCHALL "error:" errors "${out}")
list(LENGTH errors error_count)
if(NOT error_count EQUAL 1)
  message(FATAL_ERROR "${SOURCE} produced ${error_count} errors instead of one:\n${out}")
endif()
message(STATUS "rejected as intended: ${expected}")
