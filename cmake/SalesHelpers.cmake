# sales_proto_library(NAME name PROTOS files... [GRPC_PROTOS files...] DEPS libs...)
# One generated-code library per proto package, shared by every binary.
# gRPC stubs are generated only for GRPC_PROTOS (the files with services):
# an empty .grpc.pb.cc per message file would only cost compile time.
function(sales_proto_library)
  cmake_parse_arguments(ARG "" "NAME" "PROTOS;GRPC_PROTOS;DEPS" ${ARGN})
  add_library(${ARG_NAME} STATIC)
  set(gen ${CMAKE_BINARY_DIR}/gen)
  file(MAKE_DIRECTORY ${gen})
  protobuf_generate(TARGET ${ARG_NAME} LANGUAGE cpp PROTOS ${ARG_PROTOS}
    IMPORT_DIRS ${PROJECT_SOURCE_DIR}/protos PROTOC_OUT_DIR ${gen})
  if(ARG_GRPC_PROTOS)
    protobuf_generate(TARGET ${ARG_NAME} LANGUAGE grpc PROTOS ${ARG_GRPC_PROTOS}
      GENERATE_EXTENSIONS .grpc.pb.h .grpc.pb.cc
      PLUGIN "protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>"
      IMPORT_DIRS ${PROJECT_SOURCE_DIR}/protos PROTOC_OUT_DIR ${gen})
  endif()
  target_include_directories(${ARG_NAME} PUBLIC ${gen})
  target_link_libraries(${ARG_NAME} PUBLIC protobuf::libprotobuf gRPC::grpc++ ${ARG_DEPS})
endfunction()

# sales_embed_migrations(TARGET t DIR dir FUNCTION fn): compiles every
# V*.sql in DIR into the target as `std::vector<sales::MigrationFile> fn()`.
function(sales_embed_migrations)
  cmake_parse_arguments(ARG "" "TARGET;DIR;FUNCTION" "" ${ARGN})
  file(GLOB sql_files CONFIGURE_DEPENDS ${ARG_DIR}/V*.sql)
  list(SORT sql_files)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${ARG_FUNCTION}_embedded.cc)
  # A CMake list would be split into several shell arguments; pass one.
  string(REPLACE ";" "|" files_arg "${sql_files}")
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DFUNCTION=${ARG_FUNCTION} "-DFILES=${files_arg}"
            -P ${PROJECT_SOURCE_DIR}/cmake/EmbedMigrations.cmake
    DEPENDS ${sql_files} ${PROJECT_SOURCE_DIR}/cmake/EmbedMigrations.cmake
    COMMENT "Embedding migrations for ${ARG_TARGET}"
    VERBATIM)
  target_sources(${ARG_TARGET} PRIVATE ${out})
endfunction()

# sales_target_warnings(target)
function(sales_target_warnings t)
  target_compile_options(${t} PRIVATE ${SALES_WARNINGS})
endfunction()
