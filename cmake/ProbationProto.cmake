# probation_proto_library(NAME ROOT <dir> PROTOS <files relative to ROOT> [GRPC] [DEPS <targets>])
# Generates C++ (and gRPC stubs with GRPC) into the build tree and wraps it in a library.
function(probation_proto_library name)
  cmake_parse_arguments(ARG "GRPC" "ROOT" "PROTOS;DEPS;IMPORT_DIRS" ${ARGN})
  set(out_dir ${CMAKE_BINARY_DIR}/gen)
  set(import_flags -I${ARG_ROOT} -I${Protobuf_INCLUDE_DIRS})
  foreach(dir IN LISTS ARG_IMPORT_DIRS)
    list(APPEND import_flags -I${dir})
  endforeach()
  set(sources)
  foreach(proto IN LISTS ARG_PROTOS)
    string(REGEX REPLACE "\\.proto$" "" stem ${proto})
    set(outputs ${out_dir}/${stem}.pb.cc ${out_dir}/${stem}.pb.h)
    set(plugin_flags)
    if(ARG_GRPC)
      list(APPEND outputs ${out_dir}/${stem}.grpc.pb.cc ${out_dir}/${stem}.grpc.pb.h)
      set(plugin_flags --grpc_out=${out_dir}
                       --plugin=protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>)
    endif()
    add_custom_command(
      OUTPUT ${outputs}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${out_dir}
      COMMAND protobuf::protoc ${import_flags} --cpp_out=${out_dir} ${plugin_flags}
              ${ARG_ROOT}/${proto}
      DEPENDS ${ARG_ROOT}/${proto} protobuf::protoc
      COMMENT "protoc ${proto}"
      VERBATIM)
    list(APPEND sources ${outputs})
  endforeach()
  add_library(${name} STATIC ${sources})
  target_include_directories(${name} SYSTEM PUBLIC ${out_dir})
  target_link_libraries(${name} PUBLIC protobuf::libprotobuf gRPC::grpc++ ${ARG_DEPS})
endfunction()
