/* placeholder */
typedef int virScsiPlaceholder_virscsicdb;
