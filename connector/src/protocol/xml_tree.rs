//! A small element tree of an XML document, built with `quick-xml`'s event reader, and the typed
//! reads S3's answers need from it (a child's text, repeated children, numbers and flags).
//!
//! S3's answers are a few fixed documents; reading them from a tree by hand keeps a generic
//! XML deserializer out of the component (a twelfth of its size). Pure functions only.

use quick_xml::events::Event;

/// One element: its local name (namespace prefix dropped), its text (for a leaf, exactly as
/// sent: keys may begin or end with spaces) and its child elements in order.
#[derive(Debug, Default, PartialEq)]
pub struct Element {
    /// Local name, e.g. `Contents`.
    pub name: String,
    /// The concatenated, unescaped text directly inside it.
    pub text: String,
    /// Child elements in document order.
    pub children: Vec<Element>,
}

/// Why a document could not be read: broken XML, or a missing or malformed field.
pub type TreeError = String;

impl Element {
    /// Parses `body` and returns its root element.
    pub fn parse(body: &[u8]) -> Result<Element, TreeError> {
        let mut reader = quick_xml::Reader::from_reader(body);
        // The open elements, innermost last; the root is the first one opened.
        let mut open: Vec<Element> = Vec::new();
        loop {
            match reader.read_event().map_err(|e| e.to_string())? {
                Event::Start(start) => {
                    open.push(Element { name: local_name(start.local_name().as_ref()), ..Element::default() });
                }
                Event::Empty(empty) => {
                    let element = Element { name: local_name(empty.local_name().as_ref()), ..Element::default() };
                    match open.last_mut() {
                        Some(parent) => parent.children.push(element),
                        None => return Ok(element),
                    }
                }
                Event::End(_) => {
                    let closed = open.pop().ok_or("an end tag without its start")?;
                    match open.last_mut() {
                        Some(parent) => parent.children.push(closed),
                        None => return Ok(closed),
                    }
                }
                Event::Text(text) => {
                    if let Some(current) = open.last_mut() {
                        current.text.push_str(&text.decode().map_err(|e| e.to_string())?);
                    }
                }
                Event::GeneralRef(reference) => {
                    if let Some(current) = open.last_mut() {
                        let name = reference.decode().map_err(|e| e.to_string())?;
                        let resolved =
                            quick_xml::escape::unescape(&format!("&{name};")).map_err(|e| e.to_string())?.into_owned();
                        current.text.push_str(&resolved);
                    }
                }
                Event::CData(data) => {
                    if let Some(current) = open.last_mut() {
                        current.text.push_str(std::str::from_utf8(&data).map_err(|e| e.to_string())?);
                    }
                }
                Event::Eof => return Err("the document ended before its root element closed".into()),
                _ => {}
            }
        }
    }

    /// The first child named `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|child| child.name == name)
    }

    /// Every child named `name`, in order.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |child| child.name == name)
    }

    /// The text of the first child named `name`, if there is one.
    pub fn text_of(&self, name: &str) -> Option<String> {
        self.child(name).map(|child| child.text.clone())
    }

    /// The text of the child `name`, which must be there.
    pub fn required(&self, name: &str) -> Result<String, TreeError> {
        self.text_of(name).ok_or_else(|| format!("<{}> has no <{name}>", self.name))
    }

    /// The child `name` read as a whole number (absent: `None`).
    pub fn number_of(&self, name: &str) -> Result<Option<u64>, TreeError> {
        self.child(name)
            .map(|child| child.text.trim().parse().map_err(|_| format!("<{name}> is not a number: {:?}", child.text)))
            .transpose()
    }

    /// The child `name` read as `true`/`false` (absent: `None`).
    pub fn flag_of(&self, name: &str) -> Result<Option<bool>, TreeError> {
        self.child(name)
            .map(|child| match child.text.trim() {
                "true" | "1" => Ok(true),
                "false" | "0" => Ok(false),
                other => Err(format!("<{name}> is not true or false: {other:?}")),
            })
            .transpose()
    }
}

fn local_name(name: &[u8]) -> String {
    String::from_utf8_lossy(name).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_tree_with_exact_leaf_text() {
        let root = Element::parse(
            b"<?xml version=\"1.0\"?>\n<s3:R xmlns:s3=\"x\">\n  <A> a &amp; b </A><B/><A><![CDATA[<c>]]></A>\n</s3:R>",
        )
        .unwrap();
        assert_eq!(root.name, "R");
        let texts: Vec<&str> = root.children_named("A").map(|a| a.text.as_str()).collect();
        assert_eq!(texts, [" a & b ", "<c>"]);
        assert_eq!(root.text_of("B").as_deref(), Some(""));
        assert_eq!(root.text_of("C"), None);
        assert!(root.required("C").unwrap_err().contains("<R> has no <C>"));
    }

    #[test]
    fn numbers_and_flags_are_checked() {
        let root = Element::parse(b"<R><N>12</N><T>true</T><F>0</F><X>yes</X></R>").unwrap();
        assert_eq!(root.number_of("N"), Ok(Some(12)));
        assert_eq!(root.number_of("M"), Ok(None));
        assert!(root.number_of("T").is_err());
        assert_eq!((root.flag_of("T"), root.flag_of("F")), (Ok(Some(true)), Ok(Some(false))));
        assert!(root.flag_of("X").is_err());
    }

    #[test]
    fn broken_documents_are_errors() {
        for broken in [&b"not xml"[..], b"<R><A></R>", b"<R>", b"", b"</R>"] {
            assert!(Element::parse(broken).is_err(), "{:?}", String::from_utf8_lossy(broken));
        }
    }
}
