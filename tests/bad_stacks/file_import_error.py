# expect: {file}:2: ImportError: cannot import name 'Clusterr' from 'infra'
from infra import Clusterr
