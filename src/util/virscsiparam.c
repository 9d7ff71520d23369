/* placeholder */
typedef int virScsiPlaceholder_virscsiparam;
