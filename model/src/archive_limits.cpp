#include "flop/model/archive_limits.hpp"

#include "flop/error.hpp"

namespace flop::model {

std::string checkEntryName(const std::string& name, const std::string& where) {
  const std::string what = where + ": entry '" + name + "'";
  if (name.empty()) throw InvalidInput(what, "empty entry name");
  if (name.find('\0') != std::string::npos) throw InvalidInput(what, "NUL in entry name");
  if (name.find('\\') != std::string::npos) throw InvalidInput(what, "backslash in entry name");
  if (name.front() == '/') throw InvalidInput(what, "absolute path");
  if (name.size() >= 2 && name[1] == ':') throw InvalidInput(what, "drive-letter path");
  size_t start = 0;
  const bool isDir = name.back() == '/';
  const std::string body = isDir ? name.substr(0, name.size() - 1) : name;
  while (start <= body.size()) {
    const auto slash = body.find('/', start);
    const auto part =
        body.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part.empty()) throw InvalidInput(what, "empty path component");
    if (part == "..") throw InvalidInput(what, "'..' path component");
    if (part == ".") throw InvalidInput(what, "'.' path component");
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return name;
}

}  // namespace flop::model
