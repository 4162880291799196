// Enum values and their names in one table each, read both ways (systemd's string-table.h
// in a few lines): a name is written once, so printing and parsing cannot drift apart.
#pragma once

#include <cstddef>
#include <string_view>

namespace modseal {

template <typename E>
struct Named {
  E value;
  const char* name;
};

// The name of `value`, or "?" if the table lacks it.
template <typename E, size_t N>
const char* NameOf(const Named<E> (&table)[N], E value) {
  for (const Named<E>& entry : table)
    if (entry.value == value) return entry.name;
  return "?";
}

// Sets *out to the value named `name`; false (and *out unchanged) for an unknown name.
template <typename E, size_t N>
bool ValueOf(const Named<E> (&table)[N], std::string_view name, E* out) {
  for (const Named<E>& entry : table)
    if (name == entry.name) {
      *out = entry.value;
      return true;
    }
  return false;
}

}  // namespace modseal
