// flop-api-docs: regenerate the reference part of docs/api.md from the CRDs.
//   flop-api-docs DOC CRD...      rewrite DOC below its marker line
//   flop-api-docs --check DOC CRD...   exit 1 when DOC is out of date
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "api_docs.hpp"
#include "crd_yaml.hpp"
#include "flop/error.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  const bool check = !args.empty() && args.front() == "--check";
  if (check) args.erase(args.begin());
  if (args.size() < 2) {
    std::cerr << "usage: flop-api-docs [--check] DOC CRD...\n";
    return 2;
  }
  try {
    std::vector<nlohmann::json> crds;
    for (std::size_t i = 1; i < args.size(); ++i) {
      crds.push_back(flop::api::tools::load_yaml(args[i]));
    }
    std::ifstream in(args[0]);
    if (!in) throw flop::InvalidInput(args[0], "cannot read");
    std::stringstream current;
    current << in.rdbuf();
    const std::string wanted = flop::api::tools::replace_generated_part(
        current.str(), flop::api::tools::render_api_reference(crds));
    if (check) {
      if (wanted == current.str()) return 0;
      std::cerr << args[0] << " is out of date: run flop-api-docs " << args[0] << " crds/*.yaml\n";
      return 1;
    }
    std::ofstream(args[0]) << wanted;
    return 0;
  } catch (const flop::Error& e) {
    std::cerr << "flop-api-docs: " << e.what() << "\n";
    return 1;
  }
}
