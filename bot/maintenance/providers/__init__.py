"""One provider per kind of deploy platform, all speaking `MaintenanceProvider`."""
