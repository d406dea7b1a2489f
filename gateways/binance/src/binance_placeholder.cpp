// Removed once the first real ballast::net source lands.
