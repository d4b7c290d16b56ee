// Runs one suite of the native/protocol unit tests: protocol-tests <suite> [seed] [iterations].
// Prints "OK <suite> seed=<s> checks=<n>" and exits 0, or "FAIL <suite> seed=<s>: <file:line:
// what>" and exits 1. Suites print their measurements on lines starting with "MEASURE".
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

#include "check.h"

namespace check {

Context& ctx() {
  static Context c;
  return c;
}

static std::map<std::string, SuiteFn>& Suites() {
  static std::map<std::string, SuiteFn> s;
  return s;
}

Registrar::Registrar(const char* name, SuiteFn fn) {
  Suites()[name] = fn;
}

}  // namespace check

int main(int argc, char** argv) {
  if (argc < 2) {
    std::printf("usage: protocol-tests <suite> [seed] [iterations]; suites:");
    for (const auto& s : check::Suites()) std::printf(" %s", s.first.c_str());
    std::printf("\n");
    return 2;
  }
  auto it = check::Suites().find(argv[1]);
  if (it == check::Suites().end()) {
    std::printf("FAIL unknown suite %s\n", argv[1]);
    return 2;
  }
  check::Context& c = check::ctx();
  if (argc > 2) c.seed = std::strtoull(argv[2], nullptr, 10);
  if (argc > 3) c.iterations = std::atoi(argv[3]);
  c.rng.seed(c.seed);
  it->second();
  if (c.failed) {
    std::printf("FAIL %s seed=%llu: %s\n", argv[1], static_cast<unsigned long long>(c.seed),
                c.first_failure.c_str());
    return 1;
  }
  std::printf("OK %s seed=%llu checks=%ld\n", argv[1], static_cast<unsigned long long>(c.seed),
              c.checks);
  return 0;
}
