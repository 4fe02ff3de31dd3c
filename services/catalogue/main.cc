// The catalogue service: loads the catalogue (embedded, or --data_file), validates it, and
// serves probation.catalogue.v1.CatalogueService until SIGTERM.
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "libs/service/service_main.h"
#include "services/catalogue/catalogue.h"
#include "services/catalogue/catalogue_loader.h"
#include "services/catalogue/catalogue_server.h"

ABSL_FLAG(std::string, data_file, "",
          "Catalogue data file (text-format probation.catalogue.data.v1.Catalogue); empty uses the "
          "catalogue built into the binary.");

int main(int argc, char** argv) {
  namespace catalogue = probation::catalogue;
  probation::ServiceMain service(argc, argv, {"catalogue", 50051, 9461, __FILE__});
  const std::string data_file = absl::GetFlag(FLAGS_data_file);
  auto data = std::make_shared<const catalogue::Catalogue>(service.LoadedOrExit(
      data_file.empty()
          ? catalogue::LoadCatalogue(catalogue::EmbeddedCatalogueText(), "embedded catalogue")
          : catalogue::LoadCatalogueFile(data_file),
      "catalogue"));
  catalogue::CatalogueServer catalogue_service(data, service.internal_secret());

  probation::ServerOptions options;
  options.services = {&catalogue_service};
  options.health_service_names = {
      std::string(catalogue::v1::CatalogueService::service_full_name())};
  service.Serve(options, {{"interventions", data->data().interventions_size()},
                          {"regions", data->data().regions_size()}});
  return service.WaitForTermination();
}
