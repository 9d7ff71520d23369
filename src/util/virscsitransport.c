/* placeholder */
typedef int virScsiPlaceholder_virscsitransport;
