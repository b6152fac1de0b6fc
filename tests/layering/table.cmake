# The layering of include/judgegrad/, in this one place: read by check.cmake (the layering test)
# and by tests/CMakeLists.txt (which header units compile against judgegrad::core alone).

# Area -> the areas it may include (its own and config.hpp always allowed). Dependencies point down:
# core <- stats, data, llm <- sim, judge <- optim <- experiment <- report <- calibration; criteria/ sits
# beside core.
# bench/ (the microbenchmark kit, which needs Google Benchmark) sits on optim.
set(allowed_core "")
set(allowed_criteria core)
set(allowed_stats core)
set(allowed_data core criteria)
set(allowed_llm core)
set(allowed_sim core criteria llm)
set(allowed_judge core criteria stats llm)
set(allowed_optim core criteria stats data llm judge)
set(allowed_experiment core criteria stats data llm sim judge optim)
set(allowed_report core criteria stats data llm sim judge optim experiment)
set(allowed_calibration core criteria stats data llm sim judge optim experiment report)
set(allowed_bench core criteria stats judge optim)
set(allowed_all core criteria stats data llm sim judge optim experiment report calibration)

# judgegrad::core: what a study that brings its own backend includes and links. Every header
# here, and every judgegrad header it includes, must stay in this list.
set(core_level core/ criteria/ stats/ judge/ optim/ llm/types.hpp data/split.hpp data/random.hpp
    config.hpp core.hpp criteria.hpp stats.hpp judge.hpp optim.hpp study.hpp)
# Libraries judgegrad::core brings, by the first component of an include path.
set(core_libraries boost range fmt)

# Whether `relative` (a path under include/, "judgegrad/...") is in `core_level`.
function(judgegrad_is_core_level relative out)
  string(REGEX REPLACE "^judgegrad/" "" inside "${relative}")
  foreach(entry IN LISTS core_level)
    if((entry MATCHES "/$" AND inside MATCHES "^${entry}") OR inside STREQUAL entry)
      set(${out} TRUE PARENT_SCOPE)
      return()
    endif()
  endforeach()
  set(${out} FALSE PARENT_SCOPE)
endfunction()
