#include "kubeapi/selectors.h"

#include <algorithm>

#include "common/error.h"
#include "common/text.h"

namespace tuneup::kubeapi {

namespace {

std::string Trimmed(std::string_view text) {
  return std::string(TrimAsciiSpace(text));
}

// Splits at commas outside parentheses.
std::vector<std::string> Terms(const std::string& text) {
  std::vector<std::string> terms;
  std::string term;
  int depth = 0;
  for (char c : text) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      terms.push_back(Trimmed(term));
      term.clear();
    } else {
      term += c;
    }
  }
  terms.push_back(Trimmed(term));
  return terms;
}

Error BadTerm(const std::string& kind, const std::string& term, const std::string& why) {
  return Error(ErrorCode::kInvalidArgument,
               "unable to parse requirement: " + kind + " \"" + term + "\": " + why);
}

std::string LabelOf(const Json& object, const std::string& key, bool& present) {
  const Json& labels = object.value("metadata", Json::object()).value("labels", Json::object());
  auto found = labels.find(key);
  present = found != labels.end() && found->is_string();
  return present ? found->get<std::string>() : "";
}

}  // namespace

LabelSelector LabelSelector::Parse(const std::string& text) {
  LabelSelector selector;
  if (TrimAsciiSpace(text).empty()) return selector;
  for (const std::string& term : Terms(text)) {
    if (term.empty()) throw BadTerm("label selector", text, "an empty term");
    Requirement requirement;
    size_t at = std::string::npos;
    if (term[0] == '!') {
      requirement.op = Requirement::Op::kDoesNotExist;
      requirement.key = Trimmed(term.substr(1));
    } else if ((at = term.find("!=")) != std::string::npos) {
      requirement.op = Requirement::Op::kNotEquals;
      requirement.key = Trimmed(term.substr(0, at));
      requirement.values = {Trimmed(term.substr(at + 2))};
    } else if ((at = term.find("==")) != std::string::npos) {
      requirement.op = Requirement::Op::kEquals;
      requirement.key = Trimmed(term.substr(0, at));
      requirement.values = {Trimmed(term.substr(at + 2))};
    } else if ((at = term.find('=')) != std::string::npos) {
      requirement.op = Requirement::Op::kEquals;
      requirement.key = Trimmed(term.substr(0, at));
      requirement.values = {Trimmed(term.substr(at + 1))};
    } else if (const size_t open = term.find('('); open != std::string::npos) {
      if (term.back() != ')') throw BadTerm("label selector", term, "no closing parenthesis");
      const std::string head = Trimmed(term.substr(0, open));
      const size_t space = head.find_last_of(' ');
      if (space == std::string::npos)
        throw BadTerm("label selector", term, "expected 'in' or 'notin'");
      const std::string op = head.substr(space + 1);
      if (op != "in" && op != "notin") {
        throw BadTerm("label selector", term, "expected 'in' or 'notin', not '" + op + "'");
      }
      requirement.op = op == "in" ? Requirement::Op::kIn : Requirement::Op::kNotIn;
      requirement.key = Trimmed(head.substr(0, space));
      std::string values = term.substr(open + 1, term.size() - open - 2);
      for (const std::string& value : Terms(values))
        requirement.values.push_back(value);
    } else {
      requirement.op = Requirement::Op::kExists;
      requirement.key = term;
    }
    if (requirement.key.empty() || requirement.key.find_first_of(" ()!=") != std::string::npos) {
      throw BadTerm("label selector", term, "not a label key");
    }
    selector.requirements_.push_back(std::move(requirement));
  }
  return selector;
}

bool LabelSelector::Matches(const Json& object) const {
  for (const auto& requirement : requirements_) {
    bool present = false;
    const std::string value = LabelOf(object, requirement.key, present);
    const auto& values = requirement.values;
    const bool listed = std::find(values.begin(), values.end(), value) != values.end();
    bool ok = false;
    switch (requirement.op) {
      case Requirement::Op::kEquals:
      case Requirement::Op::kIn:
        ok = present && listed;
        break;
      case Requirement::Op::kNotEquals:
      case Requirement::Op::kNotIn:
        ok = !present || !listed;
        break;
      case Requirement::Op::kExists:
        ok = present;
        break;
      case Requirement::Op::kDoesNotExist:
        ok = !present;
        break;
    }
    if (!ok) return false;
  }
  return true;
}

FieldSelector FieldSelector::Parse(const std::string& text) {
  FieldSelector selector;
  if (TrimAsciiSpace(text).empty()) return selector;
  for (const std::string& term : Terms(text)) {
    Requirement requirement;
    size_t at = term.find("!=");
    size_t width = 2;
    if (at != std::string::npos) {
      requirement.equal = false;
    } else if ((at = term.find("==")) == std::string::npos) {
      at = term.find('=');
      width = 1;
    }
    if (at == std::string::npos) throw BadTerm("field selector", term, "expected FIELD=VALUE");
    const std::string field = Trimmed(term.substr(0, at));
    requirement.value = Trimmed(term.substr(at + width));
    if (field == "metadata.name") {
      requirement.field = "name";
    } else if (field == "metadata.namespace") {
      requirement.field = "namespace";
    } else {
      throw Error(ErrorCode::kInvalidArgument, "field label not supported: " + field);
    }
    selector.requirements_.push_back(std::move(requirement));
  }
  return selector;
}

bool FieldSelector::Matches(const Json& object) const {
  const Json& metadata = object.value("metadata", Json::object());
  for (const auto& requirement : requirements_) {
    const bool same = metadata.value(requirement.field, "") == requirement.value;
    if (same != requirement.equal) return false;
  }
  return true;
}

}  // namespace tuneup::kubeapi
