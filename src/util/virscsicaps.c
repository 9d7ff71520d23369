/* placeholder */
typedef int virScsiPlaceholder_virscsicaps;
