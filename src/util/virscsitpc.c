/* placeholder */
typedef int virScsiPlaceholder_virscsitpc;
