// The one Catch2 include for every test: Catch2 2 (Debian 12) is a single header,
// Catch2 3 (Debian 13) has none of that name and splits it.
#pragma once
#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_all.hpp>
#else
#include <catch2/catch.hpp>
#endif
