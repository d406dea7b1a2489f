#include "ballast/core/model.hpp"

namespace ballast {

AssetId Universe::find_asset(std::string_view name) const noexcept {
  for (std::size_t i = 0; i < assets.size(); ++i)
    if (assets[i].name == name) return static_cast<AssetId>(i);
  return kNoAsset;
}

InstrumentId Universe::find_instrument(std::string_view symbol) const noexcept {
  for (std::size_t i = 0; i < instruments.size(); ++i)
    if (instruments[i].symbol == symbol) return static_cast<InstrumentId>(i);
  return kNoInstrument;
}

AssetId Universe::intern_asset(std::string_view name) {
  const AssetId found = find_asset(name);
  if (found != kNoAsset) return found;
  if (assets.size() >= kMaxAssets) return kNoAsset;
  assets.push_back(AssetInfo{std::string(name), kNoInstrument});
  return static_cast<AssetId>(assets.size() - 1);
}

}  // namespace ballast
