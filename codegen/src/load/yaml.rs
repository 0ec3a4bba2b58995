//! YAML text into a [`Tree`], one parser event at a time (`saphyr-parser`): no event
//! buffer and no intermediate value tree, so memory stays near the size of the text.

use super::tree::{Builder, NodeId, Tree};
use crate::error::Error;
use saphyr_parser::{Event, Parser, ScalarStyle, ScanError};
use std::collections::HashMap;

pub fn parse(text: &str) -> Result<Tree, Error> {
    let mut builder = Builder::new(text.len() / 2);
    let mut anchors: HashMap<usize, NodeId> = HashMap::new();
    // Anchor ids of the open collections, innermost last (0: no anchor).
    let mut open_anchors: Vec<usize> = Vec::new();
    let mut documents = 0;
    let mut parser = Parser::new_from_str(text);
    while let Some(event) = parser.next_event() {
        let (event, _) = event.map_err(|e| scan_error(&builder, &e))?;
        match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(Error::Parse {
                        pointer: "/".into(),
                        message: "the text holds several YAML documents (`---`); keep only the OpenAPI one"
                            .into(),
                    });
                }
            }
            Event::Scalar(value, style, anchor, tag) => {
                // `!!str 12` is the string "12"; other tags leave the text to be typed as usual.
                let plain = style == ScalarStyle::Plain
                    && !tag.is_some_and(|t| t.is_yaml_core_schema() && t.suffix == "str");
                let id = builder.scalar(&value, plain)?;
                if anchor != 0 {
                    anchors.insert(anchor, id);
                }
            }
            Event::Alias(anchor) => match anchors.get(&anchor) {
                Some(&id) => builder.alias(id),
                None => {
                    return Err(Error::Parse {
                        pointer: builder.pointer(),
                        message: "an alias refers to an anchor that is not defined before it".into(),
                    });
                }
            },
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                builder.start(matches!(event, Event::MappingStart(..)))?;
                open_anchors.push(anchor);
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let id = builder.end()?;
                if let Some(anchor) = open_anchors.pop()
                    && anchor != 0
                {
                    anchors.insert(anchor, id);
                }
            }
            Event::StreamEnd => break,
            Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
        }
    }
    builder.finish()
}

fn scan_error(builder: &Builder, e: &ScanError) -> Error {
    let mark = e.marker();
    Error::Parse {
        pointer: builder.pointer(),
        message: format!("{} at line {} column {}", e.info(), mark.line(), mark.col() + 1),
    }
}
