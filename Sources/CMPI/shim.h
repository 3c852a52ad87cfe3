// Fovea reaches Open MPI through this system-library target, only in the build with FOVEA_MPI=1
// (Package.swift). Debian/Ubuntu: libopenmpi-dev (pkg-config name `ompi`).
//
// mpi.h defines its predefined handles as macros that cast the address of a global
// (`#define MPI_COMM_WORLD ((MPI_Comm) &ompi_mpi_comm_world)`), which Swift does not import;
// these functions hand them to Swift as values.
#include <mpi.h>

static inline MPI_Comm fovea_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype fovea_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Datatype fovea_mpi_long_long(void) { return MPI_LONG_LONG; }
static inline MPI_Op fovea_mpi_max(void) { return MPI_MAX; }
static inline void *fovea_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Request fovea_mpi_request_null(void) { return MPI_REQUEST_NULL; }
static inline MPI_Status *fovea_mpi_statuses_ignore(void) { return MPI_STATUSES_IGNORE; }
static inline MPI_Status *fovea_mpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline MPI_Errhandler fovea_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }
