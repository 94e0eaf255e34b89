//! Enums whose values have fixed names on the wire or in the input: each parses from exactly
//! those names (an unknown one is an `invalid-input` error that lists them), prints back as them,
//! and lists them for the JSON Schemas — one definition per set of names.

/// Defines an enum of named values: `Deserialize` from the names, `as_str()` (and `Display`)
/// back, `NAMES` in declaration order.
macro_rules! named_enum {
    ($(#[$doc:meta])* $vis:vis enum $name:ident { $($(#[$variant_doc:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
        $vis enum $name {
            $($(#[$variant_doc])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            /// Every name, in declaration order.
            $vis const NAMES: &[&str] = &[$($text,)+];

            /// The value's name.
            $vis const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use named_enum;
