# Every libFuzzer target of tests/fuzz for a few seconds against its corpus.
# They need clang, so scripts/fuzz.sh configures and builds them in their own
# folder (<build>/fuzz, SALES_FUZZ=ON, ccache) and then runs them.
add_test(NAME fuzz_short COMMAND ${PROJECT_SOURCE_DIR}/scripts/fuzz.sh --build-dir ${CMAKE_BINARY_DIR}/fuzz)
set_tests_properties(fuzz_short PROPERTIES LABELS fuzz TIMEOUT 900)
