# Writes INPUT's bytes as a C++ array; run by probation_embed_file at build time.
file(READ ${INPUT} hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE ${OUTPUT}
  "// Generated from ${INPUT}; do not edit.\n"
  "#include \"absl/strings/string_view.h\"\n"
  "namespace ${NAMESPACE} {\n"
  "namespace {\n"
  "// Unsigned: the data may hold UTF-8 (curly quotes, a pound sign), bytes above 0x7f.\n"
  "constexpr unsigned char kData[] = {${bytes} 0};\n}  // namespace\n"
  "absl::string_view ${SYMBOL}() {\n"
  "  return absl::string_view(reinterpret_cast<const char*>(kData), ${size});\n}\n"
  "}  // namespace ${NAMESPACE}\n")
