// Any text given as a catalogue file is either loaded or refused with a message; never a
// crash, a hang or undefined behaviour.
#include <cstddef>
#include <cstdint>
#include <string>

#include "services/catalogue/catalogue_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto catalogue = probation::catalogue::LoadCatalogue(text, "fuzz");
  if (!catalogue.ok() && catalogue.status().message().empty()) __builtin_trap();
  return 0;
}
