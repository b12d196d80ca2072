#pragma once
// One error-handling style for the whole product: failures are exceptions derived from
// flop::Error. Expected outcomes (NotFound on a get, a FATE retcode != 0) are values where the
// caller branches on them; anything the caller cannot handle locally is thrown.
#include <stdexcept>
#include <string>

namespace flop {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Bad input from a user or a peer (a spec field, a config file, an archive entry).
// `where` names the field, file or buffer so the message can point at it.
class InvalidInput : public Error {
 public:
  InvalidInput(std::string where, const std::string& problem)
      : Error(where + ": " + problem), where_(std::move(where)) {}
  const std::string& where() const noexcept { return where_; }

 private:
  std::string where_;
};

}  // namespace flop
