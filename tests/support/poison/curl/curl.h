// Shadows the real header for code that links judgegrad::core only (tests/CMakeLists.txt).
#error "judgegrad: a header linkable with judgegrad::core alone includes <curl/curl.h>, which only judgegrad::judgegrad provides"
