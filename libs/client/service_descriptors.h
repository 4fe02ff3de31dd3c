// The descriptors of the suite's services, which callers hand to ServiceChannelArguments
// (service_channel.h): the name each one's health service reports and its read methods.
#ifndef PROBATION_LIBS_CLIENT_SERVICE_DESCRIPTORS_H_
#define PROBATION_LIBS_CLIENT_SERVICE_DESCRIPTORS_H_

#include "google/protobuf/descriptor.h"

namespace probation {

const google::protobuf::ServiceDescriptor& CatalogueServiceDescriptor();
const google::protobuf::ServiceDescriptor& EligibilityServiceDescriptor();
const google::protobuf::ServiceDescriptor& ReferralServiceDescriptor();

}  // namespace probation

#endif  // PROBATION_LIBS_CLIENT_SERVICE_DESCRIPTORS_H_
