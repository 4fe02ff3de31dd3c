#include "libs/logging/request_id.h"

#include <utility>

namespace probation {
namespace {

thread_local std::string current_request_id;

}  // namespace

absl::string_view CurrentRequestId() { return current_request_id; }

ScopedRequestId::ScopedRequestId(std::string id)
    : previous_(std::exchange(current_request_id, std::move(id))) {}

ScopedRequestId::~ScopedRequestId() { current_request_id = std::move(previous_); }

}  // namespace probation
