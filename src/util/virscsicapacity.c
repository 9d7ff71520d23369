/* placeholder */
typedef int virScsiPlaceholder_virscsicapacity;
