# probation_embed_file(TARGET <lib> FILE <path> SYMBOL <c++ name> NAMESPACE <ns>)
# Compiles a data file into a library as `absl::string_view <ns>::<symbol>()`, so a service
# runs on its default data with no files beside the binary.
function(probation_embed_file)
  cmake_parse_arguments(ARG "" "TARGET;FILE;SYMBOL;NAMESPACE" "" ${ARGN})
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${ARG_SYMBOL}.cc)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DINPUT=${ARG_FILE} -DOUTPUT=${out} -DSYMBOL=${ARG_SYMBOL}
            -DNAMESPACE=${ARG_NAMESPACE} -P ${PROJECT_SOURCE_DIR}/cmake/EmbedFileScript.cmake
    DEPENDS ${ARG_FILE} ${PROJECT_SOURCE_DIR}/cmake/EmbedFileScript.cmake
    COMMENT "embedding ${ARG_FILE}"
    VERBATIM)
  add_library(${ARG_TARGET} STATIC ${out})
  target_link_libraries(${ARG_TARGET} PUBLIC absl::strings)
endfunction()
