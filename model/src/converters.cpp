#include "flop/model/converters.hpp"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/unknown_field_set.h>

#include <map>
#include <set>
#include <vector>

#include "boosting_tree.pb.h"
#include "data_transform.pb.h"
#include "feature_binning.pb.h"
#include "feature_selection.pb.h"
#include "flop/error.hpp"
#include "pearson.pb.h"
#include "pipeline.pb.h"

namespace flop::model {

namespace buf = com::webank::ai::fate::core::mlmodel::buffer;
namespace gp = google::protobuf;

bool hasConverter(const std::string& module, ConverterGeneration gen) {
  if (module == "HeteroSecureBoost" || module == "HeteroFastSecureBoost" ||
      module == "HeteroPearson" || module == "HeteroFeatureBinning" ||
      module == "HeteroFeatureSelection") {
    return true;
  }
  return module == "DataTransform" && gen == ConverterGeneration::Fate19Plus;
}

std::unique_ptr<gp::Message> newMessage(const std::string& name) {
  if (name == "Pipeline") return std::make_unique<buf::Pipeline>();
  if (name == "BoostingTreeModelParam") return std::make_unique<buf::BoostingTreeModelParam>();
  if (name == "FeatureBinningParam") return std::make_unique<buf::FeatureBinningParam>();
  if (name == "FeatureBinningMeta") return std::make_unique<buf::FeatureBinningMeta>();
  if (name == "FeatureSelectionParam") return std::make_unique<buf::FeatureSelectionParam>();
  if (name == "PearsonModelParam") return std::make_unique<buf::PearsonModelParam>();
  if (name == "DataTransformParam") return std::make_unique<buf::DataTransformParam>();
  return nullptr;
}

bool isValidWire(const std::string& bytes) {
  buf::OpaqueBuffer any;
  return any.ParseFromString(bytes);
}

std::unique_ptr<gp::Message> parseBuffer(const std::string& messageName, const std::string& bytes,
                                         const std::string& where) {
  auto msg = newMessage(messageName);
  if (!msg) {
    if (!isValidWire(bytes)) throw InvalidInput(where, "not a valid protobuf encoding");
    return nullptr;
  }
  if (msg->ParseFromString(bytes)) return msg;
  buf::DefaultEmptyFillMessage fill;
  if (fill.ParseFromString(bytes)) {
    msg->Clear();
    return msg;
  }
  throw InvalidInput(where, "does not parse as " + messageName);
}

namespace {

template <typename T>
T& as(gp::Message& m, const char* expected, const std::string& where) {
  auto* p = dynamic_cast<T*>(&m);
  if (!p) {
    throw InvalidInput(
        where, std::string("converter expects ") + expected + ", got " + m.GetDescriptor()->name());
  }
  return *p;
}

void convertSecureBoost(buf::BoostingTreeModelParam& p, const PartyRenamer& r) {
  std::set<std::string> ownNames;
  for (const auto& [fid, name] : p.feature_name_fid_mapping()) ownNames.insert(name);
  for (auto& fi : *p.mutable_feature_importances()) {
    fi.set_sitename(r.replace(fi.sitename()));
    if (!ownNames.count(fi.fullname())) {
      fi.set_fullname(r.generation() == ConverterGeneration::Fate15to18
                          ? r.replace(fi.fullname())
                          : r.migrateAnonymousHeader(fi.fullname()));
    }
  }
  // Every node names its site; there are only a few distinct ones, so each is rewritten once.
  std::map<std::string, std::string, std::less<>> renamed;
  for (auto& tree : *p.mutable_trees_()) {
    for (auto& node : *tree.mutable_tree_()) {
      auto it = renamed.find(node.sitename());
      if (it == renamed.end())
        it = renamed.emplace(node.sitename(), r.replace(node.sitename())).first;
      node.set_sitename(it->second);
    }
  }
  std::vector<std::string> plan(p.tree_plan().begin(), p.tree_plan().end());
  p.clear_tree_plan();
  for (const auto& entry : plan) p.add_tree_plan(r.treePlanEntry(entry));
}

// Own result: party id remapped by its role (1.9+).
void remapResultParty(buf::FeatureBinningResult& res, const PartyRenamer& r) {
  if (res.role().empty() || res.party_id().empty()) return;
  if (res.role() != "guest" && res.role() != "host") {
    throw InvalidInput("binning result role '" + res.role() + "'", "expected guest or host");
  }
  res.set_party_id(r.partyIdString(res.role(), res.party_id()));
}

// Host result: party id and every anonymous map key renamed. Unlike FATE 1.9-1.11 (which deletes
// the entries when a key maps to itself), entries are always kept.
void remapHostResult(buf::FeatureBinningResult& res, const PartyRenamer& r) {
  remapResultParty(res, r);
  auto* m = res.mutable_binning_result();
  gp::Map<std::string, buf::IVParam> renamed;
  for (auto& [key, value] : *m) renamed[r.migrateAnonymousHeader(key)] = std::move(value);
  m->swap(renamed);
}

void convertBinning(buf::FeatureBinningParam& p, const PartyRenamer& r) {
  std::vector<std::string> anon(p.header_anonymous().begin(), p.header_anonymous().end());
  p.clear_header_anonymous();
  for (const auto& a : anon) p.add_header_anonymous(r.anonymousName(a));
  if (r.generation() == ConverterGeneration::Fate15to18) return;
  if (p.has_binning_result()) remapResultParty(*p.mutable_binning_result(), r);
  for (auto& h : *p.mutable_host_results()) remapHostResult(h, r);
  if (p.has_multi_class_result()) {
    auto* mc = p.mutable_multi_class_result();
    for (auto& id : *mc->mutable_host_party_ids()) id = r.partyIdString("host", id);
    for (auto& res : *mc->mutable_results()) remapResultParty(res, r);
    for (auto& h : *mc->mutable_host_results()) remapHostResult(h, r);
  }
}

void renameKeys(gp::Map<std::string, double>& m, const PartyRenamer& r) {
  gp::Map<std::string, double> out;
  for (const auto& [k, v] : m) out[r.anonymousName(k)] = v;
  m.swap(out);
}

void convertSelection(buf::FeatureSelectionParam& p, const PartyRenamer& r) {
  for (auto& h : *p.mutable_host_col_names()) {
    h.set_party_id(r.partyIdString("host", h.party_id()));
    for (auto& c : *h.mutable_col_names()) c = r.anonymousName(c);
  }
  for (auto& res : *p.mutable_results()) {
    for (auto& fv : *res.mutable_host_feature_values()) renameKeys(*fv.mutable_feature_values(), r);
    for (auto& lc : *res.mutable_host_left_cols()) {
      for (auto& c : *lc.mutable_original_cols()) c = r.anonymousName(c);
      gp::Map<std::string, bool> out;
      for (const auto& [k, v] : lc.left_cols()) out[r.anonymousName(k)] = v;
      lc.mutable_left_cols()->swap(out);
    }
  }
  if (r.generation() == ConverterGeneration::Fate15to18) {
    // 1.5-1.8 rebuild the message from these fields only; anything else is lost.
    buf::FeatureSelectionParam rebuilt;
    *rebuilt.mutable_results() = p.results();
    if (p.has_final_left_cols()) *rebuilt.mutable_final_left_cols() = p.final_left_cols();
    *rebuilt.mutable_col_names() = p.col_names();
    *rebuilt.mutable_host_col_names() = p.host_col_names();
    *rebuilt.mutable_header() = p.header();
    p = std::move(rebuilt);
    return;
  }
  for (auto& [col, anon] : *p.mutable_col_name_to_anonym_dict()) anon = r.anonymousName(anon);
}

void convertPearson(buf::PearsonModelParam& p, const PartyRenamer& r) {
  p.set_party(r.partyTuple(p.party()));
  for (auto& party : *p.mutable_parties()) party = r.partyTuple(party);
  for (auto& am : *p.mutable_anonymous_map()) {
    am.set_anonymous(r.generation() == ConverterGeneration::Fate15to18
                         ? r.anonymousFormat(am.anonymous())
                         : r.migrateAnonymousHeader(am.anonymous()));
  }
  for (auto& names : *p.mutable_all_names()) {
    for (auto& n : *names.mutable_names()) n = r.maybeAnonymous(n);
  }
}

void convertDataTransform(buf::DataTransformParam& p, const PartyRenamer& r) {
  for (auto& h : *p.mutable_anonymous_header()) h = r.migrateAnonymousHeader(h);
}

}  // namespace

void convertParam(const std::string& module, gp::Message& param, const PartyRenamer& renamer,
                  const std::string& where) {
  try {
    if (module == "HeteroSecureBoost" || module == "HeteroFastSecureBoost") {
      convertSecureBoost(as<buf::BoostingTreeModelParam>(param, "BoostingTreeModelParam", where),
                         renamer);
    } else if (module == "HeteroFeatureBinning") {
      convertBinning(as<buf::FeatureBinningParam>(param, "FeatureBinningParam", where), renamer);
    } else if (module == "HeteroFeatureSelection") {
      convertSelection(as<buf::FeatureSelectionParam>(param, "FeatureSelectionParam", where),
                       renamer);
    } else if (module == "HeteroPearson") {
      convertPearson(as<buf::PearsonModelParam>(param, "PearsonModelParam", where), renamer);
    } else if (module == "DataTransform") {
      convertDataTransform(as<buf::DataTransformParam>(param, "DataTransformParam", where),
                           renamer);
    }
  } catch (const InvalidInput& e) {
    if (e.where() == where) throw;
    throw InvalidInput(where, e.what());
  }
}

}  // namespace flop::model
